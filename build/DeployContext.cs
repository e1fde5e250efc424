using System.Net;
using System.Text.RegularExpressions;
using Cake.Common;
using Cake.Core;
using Cake.Core.Diagnostics;
using KahaDeploy.Frosting;

namespace KahaDeploy;

/// <summary>What this run is about, resolved once from the command line and cake-config.json.</summary>
public sealed partial class DeployContext : FrostingContext
{
    private static readonly string[] Triggers = ["cli", "ci", "github", "dockerhub", "dashboard"];

    private readonly Lazy<DeploySettings> _settings;
    private readonly Lazy<DeploySettings> _readOnlySettings;
    private readonly Lazy<string> _performer;

    private readonly Lazy<ListenerSettings> _listener;
    private readonly Lazy<DashboardSettings?> _dashboard;

    private readonly ConfigLoader _loader;

    private readonly string? _imageArgument;

    public DeployContext(ICakeContext context, ConfigLoader loader, GitRepository git, StoppedRun stopped)
        : base(context)
    {
        try
        {
            _loader = loader;
            ConfigFile = Path.GetFullPath(context.Argument("config", ConfigLoader.DefaultFileName));
            EnvironmentName = context.Argument<string?>("env", null);
            Sha = ParseSha(context.Argument<string?>("sha", null), "sha");
            LockWait = ParseSeconds(context.Argument<string?>("lock-wait", null), "lock-wait");
            Json = context.HasArgument("json");
            Force = context.HasArgument("force");
            TakeOver = context.HasArgument("take-over");
            OnlyForward = context.HasArgument("only-forward");
            RollbackTo = ParseSha(context.Argument<string?>("to", null), "to");
            Slot = context.Argument<string?>("slot", null);
            Delay = ParseSeconds(context.Argument<string?>("delay", null), "delay");
            Trigger = ParseTrigger(context.Argument("trigger", context.EnvironmentVariable("CI") is { Length: > 0 } ? "ci" : "cli"));
            Last = ParseCount(context.Argument<string?>("last", null), "last", "runs", 20);
            var since = ParseSince(context.Argument<string?>("since", null));
            var tail = context.Argument<string?>("tail", null);
            Logs = new LogQuery(
                tail == "all" ? LogQuery.All : ParseCount(tail, "tail", "lines", since is null ? LogQuery.DefaultTail : LogQuery.All),
                since,
                context.HasArgument("follow"));
            _settings = new Lazy<DeploySettings>(() => loader.Load(ConfigFile, RequiredEnvironment(), message => Log.Warning(message), resolveSecrets: !DryRun));
            _readOnlySettings = new Lazy<DeploySettings>(() => loader.Load(ConfigFile, RequiredEnvironment(), message => Log.Warning(message), resolveSecrets: false));

            // Who deployed is the person, not the account the server runs it under: git's user name when there is one.
            var performer = ParsePerformer(context.Argument<string?>("performer", null));
            _performer = new Lazy<string>(() => performer ?? git.UserName(Settings.AppFolder) ?? System.Environment.UserName);
            _imageArgument = ParseImage(context.Argument<string?>("image", null));
            var address = ParseAddress(context.Argument<string?>("address", null));
            var port = ParsePort(context.Argument<string?>("port", null));
            _listener = new Lazy<ListenerSettings>(() =>
            {
                var listener = loader.LoadListener(ConfigFile, message => Log.Warning(message), resolveSecrets: !DryRun);
                return listener with { Address = address ?? listener.Address, Port = port ?? listener.Port };
            });
            _dashboard = new Lazy<DashboardSettings?>(() => loader.LoadDashboard(ConfigFile, message => Log.Warning(message), resolveSecrets: !DryRun));
        }
        catch (CommandLineException)
        {
            stopped.ByCommandLine = true;
            throw;
        }
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
    public Candidate? Candidate { get; set; }

    public bool Json { get; }

    /// <summary>Deploy even when the release is the one already live (--force).</summary>
    public bool Force { get; }

    /// <summary>Move the environment to this checkout when another checkout on this engine owns it (--take-over).</summary>
    public bool TakeOver { get; }

    /// <summary>A push deploy (--only-forward): a commit older than the live one changes nothing; a person's --sha is not held to this.</summary>
    public bool OnlyForward { get; }

    /// <summary>
    /// Set by the first task that changes the server (checkout, images, containers). A run that fails before it was refused
    /// (the lock, a bad argument, preflight, an unknown --to): it is in the history, but it is no failed deploy to tell the team about.
    /// </summary>
    public bool ChangesStarted { get; private set; }

    public void StartChanges() => ChangesStarted = true;

    /// <summary>
    /// Only listing what would run: secrets are not needed for that. Known from the host's mode, not from an argument:
    /// a real run is one the tool's own execution strategy performs (<see cref="DeployStrategy"/>); a dry run has the host's.
    /// </summary>
    public bool DryRun { get; private set; } = true;

    /// <summary>Called by the real run's strategy before the setup, so secrets are resolved and the run recorded.</summary>
    public void PerformsRun() => DryRun = false;

    /// <summary>A task found there is nothing left to do: the remaining tasks are passed over and the run succeeds.</summary>
    public bool Finished { get; private set; }

    public void FinishEarly() => Finished = true;

    /// <summary>cli, ci (the CI variable is set), or what started the run (--trigger=github, dockerhub or dashboard).</summary>
    public string Trigger { get; }

    /// <summary>--performer, else git's user name, else the account running the tool.</summary>
    public string Performer => _performer.Value;

    /// <summary>How many runs History shows (--last).</summary>
    public int Last { get; }

    /// <summary>What Logs shows of the app's output (--tail, --since, --follow).</summary>
    public LogQuery Logs { get; }

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>The target asked for on the command line; set when the run starts.</summary>
    public string TargetName { get; set; } = nameof(Tasks.Default);

    public DeploySettings Settings => _settings.Value;

    /// <summary>--env's settings for targets that only read: no secret is required (those found are still masked).</summary>
    public DeploySettings ReadOnlySettings => _readOnlySettings.Value;

    /// <summary>The listener's settings, with --address and --port applied.</summary>
    public ListenerSettings Listener => _listener.Value;

    /// <summary>The dashboard's settings; null when the configuration has no dashboard section (Listen then serves none).</summary>
    public DashboardSettings? DashboardOrNone => _dashboard.Value;

    /// <summary>The dashboard's settings, for the target that serves only the dashboard.</summary>
    public DashboardSettings Dashboard => _dashboard.Value ?? throw new ConfigException(
        $"{Path.GetFileName(ConfigFile)}: there is no \"dashboard\" section; add one with a port and \"password\": \"${{DASHBOARD_PASSWORD}}\" (see README, \"Dashboard\").");

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

    /// <summary>The image this run starts; set by the build task, or by a rollback.</summary>
    public AppImage? Image { get; set; }

    /// <summary>The commit that was live before this run replaced it.</summary>
    public string? PreviousCommit { get; set; }

    /// <summary>When the warm standby this run left is stopped; set when its timer is scheduled.</summary>
    public DateTimeOffset? StandbyUntil { get; set; }

    /// <summary>The task that failed, for the failure report.</summary>
    public string? FailedTask { get; set; }

    /// <summary>Settings to read status with: --env's, or every environment's; no secret is required.</summary>
    public IEnumerable<DeploySettings> SettingsForStatus() =>
        (EnvironmentName is null ? _loader.Read(ConfigFile).Environments.Keys.ToList() : [EnvironmentName])
        .Select(environment => _loader.Load(ConfigFile, environment, message => Log.Verbose(message), resolveSecrets: false));

    /// <summary>The one place a task decides to skip itself, so the log always says why.</summary>
    public bool RunsWhen(string task, bool condition, string whyNot)
    {
        // Once the run finished early, every remaining task is passed over without a reason of its own.
        if (Finished)
        {
            return false;
        }

        if (!condition)
        {
            Log.Information("Skipping {0}: {1}", task, whyNot);
        }

        return condition;
    }

    private string RequiredEnvironment() =>
        EnvironmentName ?? throw new ConfigException("--env is required for this target; add --env=dev, --env=stage or --env=prod.");

    [GeneratedRegex(@"^[0-9a-fA-F]{7,40}\z")]
    private static partial Regex CommitId();

    private static string? ParseSha(string? sha, string name) =>
        sha is null || CommitId().IsMatch(sha)
            ? sha?.ToLowerInvariant()
            : throw new CommandLineException($"--{name}={Shown(sha)} is not a commit id; give 7 to 40 hex characters, e.g. --{name}=3f2c1ab.");

    /// <summary>A name as people write it (spaces inside allowed), but nothing that could break a log line or a history record.</summary>
    [GeneratedRegex(@"^[^\s\p{C}](?:[^\p{C}]{0,62}[^\s\p{C}])?\z")]
    private static partial Regex PerformerName();

    /// <summary>Whether a name typed elsewhere (the dashboard's sign-in) is one --performer would take.</summary>
    public static bool IsPerformerName(string name) => PerformerName().IsMatch(name);

    private static string? ParsePerformer(string? performer) =>
        performer is null || IsPerformerName(performer)
            ? performer
            : throw new CommandLineException($"--performer={Shown(performer)} is not a name; give 1 to 64 printable characters, without control characters or spaces at either end, e.g. --performer=alice.");

    [GeneratedRegex(@"\p{C}")]
    private static partial Regex Invisible();

    /// <summary>A refused value as the one error line shows it: a control character in it must not start a second line.</summary>
    private static string Shown(string value) => Invisible().Replace(value, match => $"\\u{(int)match.Value[0]:x4}");

    private static string ParseTrigger(string trigger) =>
        Triggers.Contains(trigger)
            ? trigger
            : throw new CommandLineException($"--trigger={Shown(trigger)} is not a trigger; use one of {string.Join(", ", Triggers)}.");

    private static int ParseCount(string? value, string name, string what, int fallback) =>
        value is null
            ? fallback
            : int.TryParse(value, out var count) && count is > 0 and <= 100_000
                ? count
                : throw new CommandLineException($"--{name}={Shown(value)} is not a number of {what}; use a whole number from 1 to 100000, e.g. --{name}=20.");

    [GeneratedRegex(@"^([0-9]+)([smhd])\z")]
    private static partial Regex Duration();

    private static DateTimeOffset? ParseSince(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (Duration().Match(value) is { Success: true } duration && int.TryParse(duration.Groups[1].Value, out var amount))
        {
            var unit = duration.Groups[2].Value switch { "s" => TimeSpan.FromSeconds(1), "m" => TimeSpan.FromMinutes(1), "h" => TimeSpan.FromHours(1), _ => TimeSpan.FromDays(1) };
            return DateTimeOffset.UtcNow - unit * amount;
        }

        return DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new CommandLineException($"--since={Shown(value)} is neither a duration nor a time; use e.g. --since=10m (s, m, h or d) or --since=2026-11-25T04:00:00Z.");
    }

    private static string? ParseImage(string? image) =>
        image is null || ConfigLoader.IsImageReference(image) && image.LastIndexOf(':') > image.LastIndexOf('/')
            ? image
            : throw new CommandLineException($"--image={Shown(image!)} is not an image reference with a tag; write REGISTRY/REPOSITORY:TAG, e.g. --image=kaha/app:v1.2.");

    private static IPAddress? ParseAddress(string? address) =>
        address is null
            ? null
            : IPAddress.TryParse(address, out var parsed)
                ? parsed
                : throw new CommandLineException($"--address={Shown(address)} is not an IP address; use e.g. --address=127.0.0.1 or --address=0.0.0.0.");

    private static int? ParsePort(string? port) =>
        port is null
            ? null
            : int.TryParse(port, out var parsed) && parsed is > 0 and < 65536
                ? parsed
                : throw new CommandLineException($"--port={Shown(port)} is not a port; use a number from 1 to 65535, e.g. --port=9000.");

    private static TimeSpan ParseSeconds(string? value, string name) =>
        value is null
            ? TimeSpan.Zero
            : int.TryParse(value, out var seconds) && seconds is >= 0 and <= 86400
                ? TimeSpan.FromSeconds(seconds)
                : throw new CommandLineException($"--{name}={Shown(value)} is not a number of seconds; use a whole number from 0 to 86400.");
}
