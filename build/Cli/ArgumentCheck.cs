using System.Text.RegularExpressions;
using KahaDeploy.Tasks;

namespace KahaDeploy.Cli;

/// <summary>
/// Refuses a command line that says something no task of the run will read: a misspelt option would otherwise be
/// ignored (a "--dry-rn" deploy is a real deploy), and an option meant for another target would silently do nothing.
/// It runs before the host, so nothing has started when it refuses; Cake.Frosting has no hook for it.
/// </summary>
public static partial class ArgumentCheck
{
    /// <summary>The exit code of a command line refused before anything runs (as with most Unix tools).</summary>
    public const int UsageError = 2;

    /// <summary>The command line to hand the host, and whether it asks for a real run of a target that changes an environment.</summary>
    public sealed record HostCommand(IReadOnlyList<string> Arguments, bool ChangesEnvironment);

    /// <summary>The command line to hand the host once it passed the checks; --help becomes the Default target, which prints the tool's help.</summary>
    public static HostCommand ForHost(IReadOnlyList<string> args)
    {
        var line = CommandLine.Parse(args);
        if (line.Mode == HostMode.Help)
        {
            // Asking for help runs nothing else, whatever the rest of the line says; only how to print is kept.
            return new HostCommand(
            [
                $"--target={nameof(Default)}",
                .. line.Arguments.Where(given => given.Key is "log-format" or "verbosity" or "v").SelectMany(given => given.Select(value => $"--{given.Key}={value}")),
            ], ChangesEnvironment: false);
        }

        var graph = TaskGraph.Of(typeof(ArgumentCheck).Assembly);
        var targets = (line.Targets.Count > 0 ? line.Targets : [nameof(Default)]).Select(graph.Resolve).ToList();
        if (line.Mode is HostMode.Run or HostMode.DryRun)
        {
            Check(line, string.Join(" and ", targets), line.Exclusive ? targets : targets.SelectMany(graph.TasksOf).Distinct().ToList(), graph.TasksOf);
        }

        // The targets as registered, so the run says "Deploy" when "deploy" was typed. Cake.Frosting knows --dryrun,
        // --whatif and --noop; the tool takes --dry-run too.
        return new HostCommand(
            [.. targets.Select(target => $"--target={target}"), .. line.Options.Select(option => DryRunAlias().Replace(option, "--dryrun"))],
            line.Mode == HostMode.Run && targets.Any(TargetKind.Is<ChangesEnvironmentAttribute>));
    }

    private static void Check(CommandLine commandLine, string target, IReadOnlyList<string> tasks, Func<string, IReadOnlyList<string>> tasksOf)
    {
        foreach (var given in commandLine.Arguments)
        {
            var option = Arguments.Find(given.Key) ?? throw Unknown(given.Key);
            if (option.ReadBy is { } readers && !tasks.Any(task => readers.Contains(task, StringComparer.OrdinalIgnoreCase)))
            {
                throw NotReadBy(given.Key, target, readers, tasksOf);
            }

            // Two different values for one option: whichever the tool took, the other was what someone meant.
            if (option.Value is not null && option.Name != "target" && given.Distinct(StringComparer.Ordinal).Skip(1).Any())
            {
                throw new CommandLineException($"--{given.Key} is given more than once ({string.Join(", ", given.Distinct())}); give it once.");
            }
        }
    }

    [GeneratedRegex("^--dry-run(?==|$)", RegexOptions.IgnoreCase)]
    private static partial Regex DryRunAlias();

    private static CommandLineException Unknown(string name)
    {
        var known = Arguments.All.SelectMany(option => option.Names).Where(n => n.Length > 1);
        return new CommandLineException(Spelling.Nearest(name, known) is { } nearest
            ? $"unknown option --{name}; did you mean --{nearest}?"
            : $"unknown option --{name}; ./build.sh --help lists the options.");
    }

    private static CommandLineException NotReadBy(string name, string target, string[] readers, Func<string, IReadOnlyList<string>> tasksOf)
    {
        var meantFor = Arguments.UserTargets
            .Where(user => user != target && tasksOf(user).Any(task => readers.Contains(task, StringComparer.OrdinalIgnoreCase)))
            .ToList();
        var targets = meantFor.Count > 0 ? meantFor : readers.ToList();
        return new CommandLineException(
            $"--{name} does nothing for {target}; it is read by {string.Join(" and ", targets)}. Leave it out, or run --target={targets[0]}.");
    }
}
