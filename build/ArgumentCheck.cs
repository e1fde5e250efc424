using KahaDeploy.Frosting;

namespace KahaDeploy;

/// <summary>
/// Refuses a command line that says something no task of the run will read: a misspelt option would otherwise be
/// ignored (a "--dry-rn" deploy is a real deploy), and an option meant for another target would silently do nothing.
/// </summary>
public sealed class ArgumentCheck : ICommandLineCheck
{
    public void Check(CommandLine commandLine, string target, IReadOnlyList<string> tasks, Func<string, IReadOnlyList<string>> tasksOf)
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
