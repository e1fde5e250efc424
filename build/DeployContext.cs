using System.Text.RegularExpressions;
using Cake.Common;
using Cake.Core;
using Cake.Core.Diagnostics;
using KahaDeploy.Configuration;
using KahaDeploy.Frosting;

namespace KahaDeploy;

/// <summary>What this run is about, resolved once from the command line and cake-config.json.</summary>
public sealed partial class DeployContext : FrostingContext
{
    private readonly Lazy<DeploySettings> _settings;

    private readonly ConfigLoader _loader;

    public DeployContext(ICakeContext context, ConfigLoader loader)
        : base(context)
    {
        _loader = loader;
        ConfigFile = Path.GetFullPath(context.Argument("config", ConfigLoader.DefaultFileName));
        EnvironmentName = context.Argument<string?>("env", null);
        Sha = ParseSha(context.Argument<string?>("sha", null), "sha");
        LockWait = ParseSeconds(context.Argument<string?>("lock-wait", null), "lock-wait");
        Json = context.HasArgument("json");
        DryRun = context.HasArgument("dryrun") || context.HasArgument("whatif") || context.HasArgument("noop");
        RollbackTo = ParseSha(context.Argument<string?>("to", null), "to");
        Slot = context.Argument<string?>("slot", null);
        Delay = ParseSeconds(context.Argument<string?>("delay", null), "delay");
        Trigger = context.Argument("trigger", context.EnvironmentVariable("CI") is { Length: > 0 } ? "ci" : "cli");
        Performer = context.Argument("performer", System.Environment.UserName);
        _settings = new Lazy<DeploySettings>(() => loader.Load(
            ConfigFile,
            EnvironmentName ?? throw new ConfigException("--env is required for this target; add --env=dev, --env=stage or --env=prod."),
            message => Log.Warning(message),
            resolveSecrets: !DryRun));
    }

    public string ConfigFile { get; }

    public string? EnvironmentName { get; }

    /// <summary>Deploy this commit instead of the branch head.</summary>
    public string? Sha { get; }

    public TimeSpan LockWait { get; }

    /// <summary>Rollback to this retained commit instead of NAME_previous.</summary>
    public string? RollbackTo { get; }

    /// <summary>StopStandby: the standby release it may stop, and how long to wait first.</summary>
    public string? Slot { get; }

    public TimeSpan Delay { get; }

    /// <summary>The release about to take traffic through the proxy; set by RunContainer or RestorePrevious.</summary>
    public Services.Candidate? Candidate { get; set; }

    public bool Json { get; }

    /// <summary>Only listing what would run: secrets are not needed for that.</summary>
    public bool DryRun { get; }

    public string Trigger { get; }

    public string Performer { get; }

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>The target asked for on the command line; set when the run starts.</summary>
    public string TargetName { get; set; } = CakeHost.DefaultTarget;

    public DeploySettings Settings => _settings.Value;

    /// <summary>Whether the settings were resolved without error (a failure report needs them).</summary>
    public bool HasSettings => _settings.IsValueCreated;

    /// <summary>The release this run builds or restores; set by the version task.</summary>
    public ReleaseVersion? Version { get; set; }

    /// <summary>The image reference this run starts; set by the build task.</summary>
    public string? Image { get; set; }

    /// <summary>The task that failed, for the failure report.</summary>
    public string? FailedTask { get; set; }

    /// <summary>Settings to read status with: --env's, or every environment's; unresolved secrets are left as they are.</summary>
    public IEnumerable<DeploySettings> SettingsForStatus() =>
        (EnvironmentName is null ? _loader.Read(ConfigFile).Environments.Keys.ToList() : [EnvironmentName])
        .Select(environment => _loader.Load(ConfigFile, environment, message => Log.Verbose(message), resolveSecrets: false));

    /// <summary>The one place a task decides to skip itself, so the log always says why.</summary>
    public bool RunsWhen(string task, bool condition, string whyNot)
    {
        if (!condition)
        {
            Log.Information("Skipping {0}: {1}", task, whyNot);
        }

        return condition;
    }

    [GeneratedRegex("^[0-9a-fA-F]{7,40}$")]
    private static partial Regex CommitId();

    private static string? ParseSha(string? sha, string name) =>
        sha is null || CommitId().IsMatch(sha)
            ? sha?.ToLowerInvariant()
            : throw new ConfigException($"--{name}={sha} is not a commit id; give 7 to 40 hex characters, e.g. --{name}=3f2c1ab.");

    private static TimeSpan ParseSeconds(string? value, string name) =>
        value is null
            ? TimeSpan.Zero
            : int.TryParse(value, out var seconds) && seconds is >= 0 and <= 86400
                ? TimeSpan.FromSeconds(seconds)
                : throw new ConfigException($"--{name}={value} is not a number of seconds; use a whole number from 0 to 86400.");
}
