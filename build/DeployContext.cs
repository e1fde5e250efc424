using System.Net;
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

    private readonly Lazy<ListenerSettings> _listener;

    private readonly ConfigLoader _loader;

    private readonly string? _imageArgument;

    public DeployContext(ICakeContext context, ConfigLoader loader)
        : base(context)
    {
        _loader = loader;
        ConfigFile = Path.GetFullPath(context.Argument("config", ConfigLoader.DefaultFileName));
        EnvironmentName = context.Argument<string?>("env", null);
        Sha = ParseSha(context.Argument<string?>("sha", null));
        LockWait = ParseSeconds(context.Argument<string?>("lock-wait", null), "lock-wait");
        Json = context.HasArgument("json");
        DryRun = context.HasArgument("dryrun") || context.HasArgument("whatif") || context.HasArgument("noop");
        Trigger = context.Argument("trigger", context.EnvironmentVariable("CI") is { Length: > 0 } ? "ci" : "cli");
        Performer = context.Argument("performer", System.Environment.UserName);
        _imageArgument = ParseImage(context.Argument<string?>("image", null));
        var address = ParseAddress(context.Argument<string?>("address", null));
        var port = ParsePort(context.Argument<string?>("port", null));
        _settings = new Lazy<DeploySettings>(() => loader.Load(
            ConfigFile,
            EnvironmentName ?? throw new ConfigException("--env is required for this target; add --env=dev, --env=stage or --env=prod."),
            message => Log.Warning(message),
            resolveSecrets: !DryRun));
        _listener = new Lazy<ListenerSettings>(() =>
        {
            var listener = loader.LoadListener(ConfigFile, message => Log.Warning(message), resolveSecrets: !DryRun);
            return listener with { Address = address ?? listener.Address, Port = port ?? listener.Port };
        });
    }

    public string ConfigFile { get; }

    public string? EnvironmentName { get; }

    /// <summary>Deploy this commit instead of the branch head.</summary>
    public string? Sha { get; }

    public TimeSpan LockWait { get; }

    public bool Json { get; }

    /// <summary>Only listing what would run: secrets are not needed for that.</summary>
    public bool DryRun { get; }

    public string Trigger { get; }

    public string Performer { get; }

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>The target asked for on the command line; set when the run starts.</summary>
    public string TargetName { get; set; } = CakeHost.DefaultTarget;

    public DeploySettings Settings => _settings.Value;

    /// <summary>The listener's settings, with --address and --port applied.</summary>
    public ListenerSettings Listener => _listener.Value;

    /// <summary>The registry image this run pulls instead of building: --image (a webhook's tag), else the environment's pullImage.</summary>
    public string? PullImage => _imageArgument switch
    {
        null => Settings.PullImage,
        _ when Settings.PullImage is null => throw new ConfigException(
            $"--image={_imageArgument} needs an environment that pulls its image; set environments.{Settings.Environment}.pullImage, or leave --image out to build from the checkout."),
        _ => _imageArgument,
    };

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

    private static string? ParseSha(string? sha) =>
        sha is null || CommitId().IsMatch(sha)
            ? sha?.ToLowerInvariant()
            : throw new ConfigException($"--sha={sha} is not a commit id; give 7 to 40 hex characters, e.g. --sha=3f2c1ab.");

    private static string? ParseImage(string? image) =>
        image is null || ConfigLoader.IsImageReference(image) && image.LastIndexOf(':') > image.LastIndexOf('/')
            ? image
            : throw new ConfigException($"--image={image} is not an image reference with a tag; write REGISTRY/REPOSITORY:TAG, e.g. --image=kaha/app:v1.2.");

    private static IPAddress? ParseAddress(string? address) =>
        address is null
            ? null
            : IPAddress.TryParse(address, out var parsed)
                ? parsed
                : throw new ConfigException($"--address={address} is not an IP address; use e.g. --address=127.0.0.1 or --address=0.0.0.0.");

    private static int? ParsePort(string? port) =>
        port is null
            ? null
            : int.TryParse(port, out var parsed) && parsed is > 0 and < 65536
                ? parsed
                : throw new ConfigException($"--port={port} is not a port; use a number from 1 to 65535, e.g. --port=9000.");

    private static TimeSpan ParseSeconds(string? value, string name) =>
        value is null
            ? TimeSpan.Zero
            : int.TryParse(value, out var seconds) && seconds is >= 0 and <= 86400
                ? TimeSpan.FromSeconds(seconds)
                : throw new ConfigException($"--{name}={value} is not a number of seconds; use a whole number from 0 to 86400.");
}
