using Cake.Core;
using Cake.Core.Diagnostics;
using KahaDeploy.Frosting;

namespace KahaDeploy;

/// <summary>What this run is about, resolved once from the command line (<see cref="Cli.Arguments"/>) and cake-config.json, and its <see cref="RunState"/>.</summary>
public sealed class DeployContext : FrostingContext
{
    private readonly Lazy<DeploySettings> _settings;
    private readonly Lazy<DeploySettings> _readOnlySettings;
    private readonly Lazy<Task<string>> _performer;

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
            // The context has an Arguments of its own (Cake's): the declarations are Cli.Arguments.
            var arguments = context.Arguments;
            ConfigFile = Cli.Arguments.Config.From(arguments);
            EnvironmentName = Cli.Arguments.Env.From(arguments);
            Sha = Cli.Arguments.Sha.From(arguments);
            LockWait = Cli.Arguments.LockWait.From(arguments);
            Json = Cli.Arguments.Json.From(arguments);
            Force = Cli.Arguments.Force.From(arguments);
            TakeOver = Cli.Arguments.TakeOver.From(arguments);
            OnlyForward = Cli.Arguments.OnlyForward.From(arguments);
            SkipBackup = Cli.Arguments.SkipBackup.From(arguments);
            BackupFrom = Cli.Arguments.From.From(arguments);
            RollbackTo = Cli.Arguments.To.From(arguments);
            Slot = Cli.Arguments.Slot.From(arguments);
            Trigger = Cli.Arguments.Trigger.From(arguments);
            Last = Cli.Arguments.Last.From(arguments);
            var since = Cli.Arguments.Since.From(arguments);
            AppLogQuery = new LogQuery(Cli.Arguments.Tail.From(arguments) ?? (since is null ? LogQuery.DefaultTail : LogQuery.All), since, Cli.Arguments.Follow.From(arguments));
            _settings = new Lazy<DeploySettings>(() => loader.Load(ConfigFile, RequiredEnvironment(), message => Log.Warning(message), resolveSecrets: !DryRun));
            _readOnlySettings = new Lazy<DeploySettings>(() => loader.Load(ConfigFile, RequiredEnvironment(), message => Log.Warning(message), resolveSecrets: false));

            // Who deployed is the person, not the account the server runs it under: git's user name when there is one.
            var performer = Cli.Arguments.Performer.From(arguments);
            _performer = new Lazy<Task<string>>(() => performer is not null
                ? Task.FromResult(performer)
                : Task.Run(() => git.UserName(Settings.AppFolder) ?? System.Environment.UserName));
            _imageArgument = Cli.Arguments.Image.From(arguments);
            var address = Cli.Arguments.Address.From(arguments);
            var port = Cli.Arguments.Port.From(arguments);
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

    /// <summary>What the tasks found and did so far; the rest of the context is resolved once, before the first task.</summary>
    public RunState Run { get; } = new();

    public string ConfigFile { get; }

    public string? EnvironmentName { get; }

    /// <summary>Deploy this commit instead of the branch head.</summary>
    public string? Sha { get; }

    public TimeSpan LockWait { get; }

    /// <summary>Rollback to this retained commit instead of NAME_previous.</summary>
    public string? RollbackTo { get; }

    /// <summary>StopStandby: the standby release it may stop.</summary>
    public string? Slot { get; }

    public bool Json { get; }

    /// <summary>Deploy even when the release is the one already live (--force).</summary>
    public bool Force { get; }

    /// <summary>Move the environment to this checkout when another checkout on this engine owns it (--take-over).</summary>
    public bool TakeOver { get; }

    /// <summary>A push deploy (--only-forward): a commit older than the live one changes nothing; a person's --sha is not held to this.</summary>
    public bool OnlyForward { get; }

    /// <summary>Deploy or Rollback without the Redis backup that backups.beforeDeploy asks for (--skip-backup).</summary>
    public bool SkipBackup { get; }

    /// <summary>The backup Restore and Verify use (--from): latest, a file name in the backups folder, or a path.</summary>
    public string? BackupFrom { get; }

    /// <summary>
    /// Only listing what would run: secrets are not needed for that. Known from the host's mode, not from an argument:
    /// a real run is one the tool's own execution strategy performs (<see cref="DeployStrategy"/>); a dry run has the host's.
    /// </summary>
    public bool DryRun { get; private set; } = true;

    /// <summary>Called by the real run's strategy before the setup, so secrets are resolved and the run recorded.</summary>
    public void PerformsRun() => DryRun = false;

    /// <summary>cli, ci (the CI variable is set), or what started the run (--trigger=github or dockerhub).</summary>
    public string Trigger { get; }

    /// <summary>--performer, else git's user name, else the account running the tool.</summary>
    public string Performer => _performer.Value.GetAwaiter().GetResult();

    /// <summary>
    /// <see cref="Performer"/> as it is being found (git's user name takes a process): the first call starts the lookup, so
    /// the run gets on with other work meanwhile, and a caller awaits it without holding a thread.
    /// </summary>
    public Task<string> PerformerAsync() => _performer.Value;

    /// <summary>How many runs History shows (--last).</summary>
    public int Last { get; }

    /// <summary>What the Logs target asks the engine for of the app's own output (--tail, --since, --follow); not the tool's log (<c>Log</c>).</summary>
    public LogQuery AppLogQuery { get; }

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

    /// <summary>Settings to read status with: --env's, or every environment's; no secret is required.</summary>
    public IEnumerable<DeploySettings> SettingsForStatus() =>
        (EnvironmentName is null ? _loader.Read(ConfigFile).Environments.Keys.ToList() : [EnvironmentName])
        .Select(environment => _loader.Load(ConfigFile, environment, message => Log.Verbose(message), resolveSecrets: false));

    /// <summary>The one place a task decides to skip itself, so the log always says why.</summary>
    public bool RunsWhen(string task, bool condition, string whyNot)
    {
        // Once the run finished early, every remaining task is passed over without a reason of its own.
        if (Run.Finished)
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
}
