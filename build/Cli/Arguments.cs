using System.Net;
using Cake.Core;
using KahaDeploy.Tasks;

namespace KahaDeploy.Cli;

/// <summary>
/// Every option the tool reads, in one place: its name, the shape of its value, how it is read, the tasks that read it, and its help.
/// An option that no task of a run reads is a mistake (a misspelling, or a flag meant for another target), so the run
/// is refused before anything starts (<see cref="ArgumentCheck"/>); <c>--help</c> prints this list.
/// </summary>
public static class Arguments
{
    /// <summary>An option. <paramref name="ReadBy"/> null means every target reads it; <paramref name="Value"/> null means a flag.</summary>
    public record Option(string Name, string? Value, string Help, string[]? ReadBy = null, string[]? Aliases = null)
    {
        public IEnumerable<string> Names => [Name, .. Aliases ?? []];

        public string Usage => Value is null ? $"--{Name}" : $"--{Name}={Value}";
    }

    /// <summary>
    /// An option the tool itself reads: <paramref name="Parse"/> turns the value given (null when absent) into what the
    /// run uses, its default included, or refuses it with the one error line.
    /// </summary>
    public sealed record Option<T>(string Name, string? Value, string Help, Func<string?, string, T> Parse, string[]? ReadBy = null, string[]? Aliases = null)
        : Option(Name, Value, Help, ReadBy, Aliases)
    {
        /// <summary>The value given last; a flag given bare (the host stores no value for it) reads as "true", an option's bare name as absent.</summary>
        public T From(ICakeArguments arguments) =>
            Parse(arguments.HasArgument(Name) ? arguments.GetArguments(Name).LastOrDefault() ?? (Value is null ? "true" : null) : null, Name);
    }

    /// <summary>The targets people run, in the order --help shows them; every other task is a step of these.</summary>
    public static readonly string[] UserTargets =
        [nameof(Deploy), nameof(Rollback), nameof(Status), nameof(Releases), nameof(Tasks.History), nameof(Logs), nameof(CI), nameof(Listen), nameof(Tasks.Dashboard),
         nameof(Backup), nameof(Backups), nameof(Restore), nameof(Verify)];

    private static readonly string[] ChangingTargets = TargetKind.All<ChangesEnvironmentAttribute>();

    // The tool's own, each with how its value is read.
    public static readonly Option<string> Config = new("config", "PATH", "the configuration file (default cake-config.json)",
        (value, _) => Path.GetFullPath(value ?? ConfigLoader.DefaultFileName));
    public static readonly Option<bool> LogFormat = new("log-format", "json", "one JSON object per line on stdout, for journald or a log shipper", OptionValues.JsonLines);
    public static readonly Option<string?> Sha = new("sha", "COMMIT", "deploys that commit of the branch instead of its head", OptionValues.Commit,
        [nameof(GitPull), nameof(ReadVersion)]);
    public static readonly Option<string?> Image = new("image", "REPO:TAG", "deploys that registry image to an environment that pulls its image", OptionValues.Image,
        [nameof(BuildImage), nameof(ReadVersion)]);
    public static readonly Option<string?> To = new("to", "COMMIT", "rolls back to that retained release instead of NAME_previous", OptionValues.Commit,
        [nameof(RestorePrevious)]);
    public static readonly Option<bool> OnlyForward = new("only-forward", null,
        "(internal) a push deploy: changes nothing when the commit or the pulled image is older than the live one", OptionValues.Flag,
        [nameof(SkipIfLive), nameof(SkipIfOlderImage)]);
    public static readonly Option<bool> Force = new("force", null, "deploys the commit even when it is already live with the same settings", OptionValues.Flag,
        [nameof(SkipIfLive)]);
    public static readonly Option<TimeSpan> LockWait = new("lock-wait", "SECONDS", "waits that long for another deploy's lock instead of failing at once",
        OptionValues.Seconds, [nameof(Tasks.Lock)]);
    public static readonly Option<bool> TakeOver = new("take-over", null, "moves the environment to this checkout when another checkout on this engine owns it",
        OptionValues.Flag, [nameof(Tasks.Lock)]);
    public static readonly Option<string?> Performer = new("performer", "NAME", "who started the run, for the history and Slack (default: git's user.name)",
        OptionValues.Performer, [.. ChangingTargets, nameof(RunContainer)]);
    public static readonly Option<string> Trigger = new("trigger", "cli|ci|github|dockerhub|dashboard", "what started the run, for the history and Slack",
        OptionValues.Trigger, ChangingTargets);
    public static readonly Option<bool> Json = new("json", null, "prints a JSON document for scripts", OptionValues.Flag,
        [nameof(Status), nameof(Tasks.History), nameof(Releases), nameof(Backups)]);
    public static readonly Option<string?> From = new("from", "latest|FILE", "the backup Restore puts back and Verify loads (a name Backups lists, or a path)",
        OptionValues.Text, [nameof(Restore), nameof(Verify)]);
    public static readonly Option<bool> SkipBackup = new("skip-backup", null, "Deploy and Rollback without the Redis backup backups.beforeDeploy takes first",
        OptionValues.Flag, [nameof(BackupBeforeChange)]);
    public static readonly Option<int> Last = new("last", "N", "how many runs History shows (default 20)",
        (value, name) => value is null ? 20 : OptionValues.Count(value, name, "runs"), [nameof(Tasks.History)]);
    public static readonly Option<int?> Tail = new("tail", "N|all", "how many lines of the app's output Logs shows (default 100)",
        (value, name) => value switch { null => null, "all" => LogQuery.All, _ => OptionValues.Count(value, name, "lines") }, [nameof(Logs)]);
    public static readonly Option<DateTimeOffset?> Since = new("since", "10m|TIME",
        "the app's output since then (s, m, h, d, or a time such as 2026-11-25T04:00:00Z)", OptionValues.Since, [nameof(Logs)]);
    public static readonly Option<bool> Follow = new("follow", null, "keeps showing the app's output until Ctrl+C", OptionValues.Flag, [nameof(Logs)]);
    public static readonly Option<IPAddress?> Address = new("address", "IP", "where Listen listens", OptionValues.Address, [nameof(Listen)]);
    public static readonly Option<int?> Port = new("port", "N", "the port Listen listens on", OptionValues.Port, [nameof(Listen)]);
    public static readonly Option<string?> Slot = new("slot", "NAME", "(internal) the standby release StopStandby may stop", OptionValues.Text,
        [nameof(StopStandby)]);
    public static readonly Option<string?> Env = new("env", "ENV", "the environment from the configuration: dev, stage, prod, ...", OptionValues.Text);

    /// <summary>Every option, in the order --help shows them.</summary>
    public static readonly IReadOnlyList<Option> All =
    [
        // Cake.Frosting's own options, read by the host.
        new("target", "NAME", "the target to run; without one the targets are listed", Aliases: ["t"]),
        Env,
        new("dryrun", null, "lists what the target would run for --env, touching nothing", Aliases: ["dry-run", "whatif", "noop"]),
        new("verbosity", "LEVEL", "quiet, minimal, normal, verbose or diagnostic", Aliases: ["v"]),
        new("working", "PATH", "the folder the run works in", Aliases: ["w"]),
        new("tree", null, "shows the task graph", Aliases: ["showtree"]),
        new("description", null, "shows what every task does", Aliases: ["descriptions", "showdescription", "showdescriptions"]),
        new("exclusive", null, "runs only the target, none of the tasks it depends on", Aliases: ["e"]),
        new("noreport", null, "leaves out the task summary at the end"),
        new("help", null, "shows this help", Aliases: ["h"]),
        new("version", null, "shows the tool's version and the commit it was built from", Aliases: ["ver"]),
        new("info", null, "shows the tool's version and details"),

        // The tool's own.
        Config, LogFormat, Sha, Image, To, OnlyForward, Force, LockWait, TakeOver, Performer, Trigger, Json, From, SkipBackup, Last, Tail, Since, Follow, Address, Port, Slot,
    ];

    public static Option? Find(string name) =>
        All.FirstOrDefault(option => option.Names.Contains(name, StringComparer.OrdinalIgnoreCase));
}
