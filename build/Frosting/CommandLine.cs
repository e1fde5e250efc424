using Cake.Core.Diagnostics;

namespace KahaDeploy.Frosting;

/// <summary>What to do with the task graph, as Cake.Frosting's command line says it.</summary>
public enum HostMode
{
    Run,
    DryRun,
    Tree,
    Description,
    Version,
    Info,
    Help,
}

/// <summary>
/// Frosting's own options (target, verbosity, dry run, tree, description, exclusive, version, info, help);
/// every other <c>--name=value</c> (or <c>--name value</c>, or a bare <c>--flag</c>) is a Cake argument.
/// </summary>
public sealed class CommandLine
{
    public string? Target { get; private init; }
    public Verbosity Verbosity { get; private init; } = Verbosity.Normal;
    public HostMode Mode { get; private init; } = HostMode.Run;
    public bool Exclusive { get; private init; }
    public ILookup<string, string> Arguments { get; private init; } = Array.Empty<string>().ToLookup(x => x);

    private static readonly HashSet<string> Flags = new(StringComparer.OrdinalIgnoreCase)
    {
        "dryrun", "dry-run", "whatif", "noop", "help", "h", "tree", "description", "descriptions", "showdescription", "version", "ver", "info", "exclusive", "e",
    };

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        string? target = null;
        var verbosity = Verbosity.Normal;
        var mode = HostMode.Run;
        var exclusive = false;
        var help = false;
        var arguments = new List<KeyValuePair<string, string>>();

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith('-') || arg == "-" || arg == "--")
            {
                throw new CommandLineException($"Unexpected argument '{arg}'. Options are written --name=value, e.g. --target=Deploy --env=dev.");
            }

            var body = arg.TrimStart('-');
            string name;
            string? value;
            var equals = body.IndexOf('=');
            if (equals >= 0)
            {
                name = body[..equals];
                value = body[(equals + 1)..];
            }
            else
            {
                name = body;
                var takesValue = !Flags.Contains(name) && i + 1 < args.Count && !args[i + 1].StartsWith('-');
                value = takesValue ? args[++i] : null;
            }

            // As in Cake, the host's own options are arguments too, so a context can read e.g. "dryrun".
            arguments.Add(new(name, value ?? "true"));
            switch (name.ToLowerInvariant())
            {
                case "target" or "t":
                    target = Require(name, value);
                    break;
                case "verbosity" or "v":
                    verbosity = ParseVerbosity(Require(name, value));
                    break;
                case "dryrun" or "dry-run" or "whatif" or "noop":
                    mode = HostMode.DryRun;
                    break;
                case "help" or "h":
                    help = true;
                    break;
                case "tree":
                    mode = HostMode.Tree;
                    break;
                case "description" or "descriptions" or "showdescription":
                    mode = HostMode.Description;
                    break;
                case "version" or "ver":
                    mode = HostMode.Version;
                    break;
                case "info":
                    mode = HostMode.Info;
                    break;
                case "exclusive" or "e":
                    exclusive = true;
                    break;
            }
        }

        return new CommandLine
        {
            Target = target,
            Verbosity = verbosity,
            // Asking for help never runs anything, whatever else the line says.
            Mode = help ? HostMode.Help : mode,
            Exclusive = exclusive,
            Arguments = arguments.ToLookup(a => a.Key, a => a.Value, StringComparer.OrdinalIgnoreCase),
        };
    }

    private static string Require(string name, string? value) =>
        string.IsNullOrWhiteSpace(value)
            ? throw new CommandLineException($"--{name} needs a value, e.g. --{name}=VALUE.")
            : value;

    private static Verbosity ParseVerbosity(string value) => value.ToLowerInvariant() switch
    {
        "q" or "quiet" => Verbosity.Quiet,
        "m" or "minimal" => Verbosity.Minimal,
        "n" or "normal" => Verbosity.Normal,
        "v" or "verbose" => Verbosity.Verbose,
        "d" or "diagnostic" => Verbosity.Diagnostic,
        _ => throw new CommandLineException($"--verbosity={value} is not a verbosity; use quiet, minimal, normal, verbose or diagnostic."),
    };
}

public sealed class CommandLineException(string message) : Exception(message);
