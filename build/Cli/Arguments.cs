using KahaDeploy.Tasks;

namespace KahaDeploy.Cli;

/// <summary>
/// Every option the tool reads, in one place: its name, the shape of its value, the tasks that read it, and its help.
/// An option that no task of a run reads is a mistake (a misspelling, or a flag meant for another target), so the run
/// is refused before anything starts (<see cref="ArgumentCheck"/>); <c>--help</c> prints this list.
/// </summary>
public static class Arguments
{
    /// <summary>An option. <paramref name="ReadBy"/> null means every target reads it; <paramref name="Value"/> null means a flag.</summary>
    public sealed record Option(string Name, string? Value, string Help, string[]? ReadBy = null, string[]? Aliases = null)
    {
        public IEnumerable<string> Names => [Name, .. Aliases ?? []];

        public string Usage => Value is null ? $"--{Name}" : $"--{Name}={Value}";
    }

    /// <summary>The targets people run, in the order --help shows them; every other task is a step of these.</summary>
    public static readonly string[] UserTargets =
        [nameof(Deploy), nameof(Rollback), nameof(Status), nameof(Releases), nameof(Tasks.History), nameof(Logs), nameof(CI), nameof(Listen), nameof(Tasks.Dashboard)];

    private static readonly string[] ChangingTargets = [nameof(Deploy), nameof(Rollback), nameof(CI)];

    public static readonly IReadOnlyList<Option> All =
    [
        // Cake.Frosting's own options, read by the host.
        new("target", "NAME", "the target to run; without one the targets are listed", Aliases: ["t"]),
        new("env", "ENV", "the environment from the configuration: dev, stage, prod, ..."),
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
        new("config", "PATH", "the configuration file (default cake-config.json)"),
        new("log-format", "json", "one JSON object per line on stdout, for journald or a log shipper"),
        new("sha", "COMMIT", "deploys that commit of the branch instead of its head", [nameof(GitPull), nameof(ReadVersion)]),
        new("image", "REPO:TAG", "deploys that registry image to an environment that pulls its image", [nameof(BuildImage), nameof(ReadVersion)]),
        new("to", "COMMIT", "rolls back to that retained release instead of NAME_previous", [nameof(RestorePrevious)]),
        new("only-forward", null, "(internal) a push deploy: changes nothing when the commit or the pulled image is older than the live one", [nameof(SkipIfLive), nameof(SkipIfOlderImage)]),
        new("force", null, "deploys the commit even when it is already live with the same settings", [nameof(SkipIfLive)]),
        new("lock-wait", "SECONDS", "waits that long for another deploy's lock instead of failing at once", [nameof(Tasks.Lock)]),
        new("take-over", null, "moves the environment to this checkout when another checkout on this engine owns it", [nameof(Tasks.Lock)]),
        new("performer", "NAME", "who started the run, for the history and Slack (default: git's user.name)", [.. ChangingTargets, nameof(RunContainer)]),
        new("trigger", "cli|ci|github|dockerhub|dashboard", "what started the run, for the history and Slack", ChangingTargets),
        new("json", null, "prints a JSON document for scripts", [nameof(Status), nameof(Tasks.History), nameof(Releases)]),
        new("last", "N", "how many runs History shows (default 20)", [nameof(Tasks.History)]),
        new("tail", "N|all", "how many lines of the app's output Logs shows (default 100)", [nameof(Logs)]),
        new("since", "10m|TIME", "the app's output since then (s, m, h, d, or a time such as 2026-11-25T04:00:00Z)", [nameof(Logs)]),
        new("follow", null, "keeps showing the app's output until Ctrl+C", [nameof(Logs)]),
        new("address", "IP", "where Listen listens", [nameof(Listen)]),
        new("port", "N", "the port Listen listens on", [nameof(Listen)]),
        new("slot", "NAME", "(internal) the standby release StopStandby may stop", [nameof(StopStandby)]),
        new("delay", "SECONDS", "(internal) how long StopStandby waits first", [nameof(StopStandby)]),
    ];

    public static Option? Find(string name) =>
        All.FirstOrDefault(option => option.Names.Contains(name, StringComparer.OrdinalIgnoreCase));
}
