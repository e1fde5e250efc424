using Cake.Cli;
using Cake.Core;
using Cake.Core.Diagnostics;
using Spectre.Console.Cli;

namespace KahaDeploy.Frosting.Internal;

/// <summary>
/// A command line that only runs targets, in the one form the tool's own check hands the host (<c>--target=NAME</c>,
/// <c>--verbosity=LEVEL</c>, a bare <c>--dryrun</c>, <c>--exclusive</c> or <c>--noreport</c>, and for the tasks
/// <c>--name=value</c> or a bare <c>--flag</c>), read into the settings and remaining arguments Spectre.Console.Cli would
/// make of it. Building Spectre's command model (reflection over the settings' attributes, their type converters) cost
/// every run about 30 ms of CPU before its first task, a warm rollback's included (issue 18). Any other line (help,
/// the tree, -w, a short option, a host option in another case, a value in quotes or starting with a dash) is left to
/// Spectre.Console.Cli, which reads it as Frosting does.
/// </summary>
internal static class PlainRun
{
    /// <summary>The name Spectre.Console.Cli gives the default command in its context.</summary>
    private const string DefaultCommandName = "__default_command";

    /// <summary>Every long name of <see cref="DefaultCommandSettings"/>'s options, and Spectre's own --help.</summary>
    internal static readonly string[] HostOptionNames =
    [
        "target", "working", "verbosity", "description", "descriptions", "showdescription", "showdescriptions", "tree", "showtree",
        "dryrun", "noop", "whatif", "exclusive", "noreport", "version", "ver", "info", "help",
    ];

    /// <summary>The command's settings and context for <paramref name="args"/>; null when Spectre.Console.Cli should read the line.</summary>
    public static (DefaultCommandSettings Settings, CommandContext Context)? Read(IReadOnlyList<string> args)
    {
        var settings = new DefaultCommandSettings();
        var targets = new List<string>();
        var remaining = new List<KeyValuePair<string, string?>>();
        foreach (var arg in args)
        {
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                return null;
            }

            var equals = arg.IndexOf('=');
            var name = equals < 0 ? arg[2..] : arg[2..equals];
            var value = equals < 0 ? null : arg[(equals + 1)..];
            if (name.Length == 0 || value is "" || value?.IndexOfAny(['"', '\'']) >= 0 || value?.StartsWith('-') == true)
            {
                return null;
            }

            switch (name, value)
            {
                case ("target", not null):
                    targets.Add(value);
                    break;
                case ("verbosity", not null) when TryVerbosity(value) is { } verbosity:
                    settings.Verbosity = verbosity;
                    break;
                case ("dryrun", null):
                    settings.DryRun = true;
                    break;
                case ("exclusive", null):
                    settings.Exclusive = true;
                    break;
                case ("noreport", null):
                    settings.NoReport = true;
                    break;
                case var _ when HostOptionNames.Contains(name, StringComparer.OrdinalIgnoreCase):
                    return null;
                default:
                    remaining.Add(new(name, value));
                    break;
            }
        }

        if (targets.Count == 0)
        {
            return null;
        }

        settings.Targets = [.. targets];
        var parsed = remaining.ToLookup(option => option.Key, option => option.Value, StringComparer.Ordinal);
        return (settings, new CommandContext(args, new Remaining(parsed), DefaultCommandName, null));
    }

    private static Verbosity? TryVerbosity(string value)
    {
        try
        {
            return (Verbosity?)new VerbosityConverter().ConvertFrom(value);
        }
        catch (CakeException)
        {
            return null;
        }
    }

    private sealed class Remaining(ILookup<string, string?> parsed) : IRemainingArguments
    {
        public ILookup<string, string?> Parsed => parsed;

        public IReadOnlyList<string> Raw => [];
    }
}
