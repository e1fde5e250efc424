using Cake.Core.Diagnostics;

namespace KahaDeploy.Cli;

/// <summary>What the command line asks for, as Cake.Frosting reads it (and the tool's --help).</summary>
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
/// The command line as the tool checks it before the host runs (<see cref="ArgumentCheck"/>): Frosting's own options
/// (target, verbosity, dry run, tree, description, exclusive, version, info) and the tool's --help; every other
/// <c>--name=value</c> (or <c>--name value</c>, or a bare <c>--flag</c>) is an option for the tasks.
/// </summary>
public sealed class CommandLine
{
    /// <summary>The targets asked for, in order; none means Default.</summary>
    public IReadOnlyList<string> Targets { get; private init; } = [];
    /// <summary>Every option but the targets, each as one <c>--name=value</c> (or <c>--flag</c>).</summary>
    public IReadOnlyList<string> Options { get; private init; } = [];

    public Verbosity Verbosity { get; private init; } = Verbosity.Normal;
    public HostMode Mode { get; private init; } = HostMode.Run;
    public bool Exclusive { get; private init; }
    public ILookup<string, string> Arguments { get; private init; } = Array.Empty<string>().ToLookup(x => x);

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var targets = new List<string>();
        var verbosity = Verbosity.Normal;
        var mode = HostMode.Run;
        var exclusive = false;
        var help = false;
        var arguments = new List<KeyValuePair<string, string>>();
        var forHost = new List<string>();

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
                // A declared flag never takes the next word; an unknown option may, so its error names it alone.
                var takesValue = KahaDeploy.Cli.Arguments.Find(name) is not { Value: null } && i + 1 < args.Count && !args[i + 1].StartsWith('-');
                value = takesValue ? args[++i] : null;
            }

            // Every option given, the host's included: each must be one the tool knows.
            arguments.Add(new(name, value ?? "true"));
            if (name is not ("target" or "t"))
            {
                var dashes = arg.StartsWith("--") ? "--" : "-";
                forHost.Add(value is null ? $"{dashes}{name}" : $"{dashes}{name}={value}");
            }

            // The host's options by their declared name, so every alias Arguments declares works here too.
            switch (KahaDeploy.Cli.Arguments.Find(name)?.Name)
            {
                case "target":
                    targets.Add(Require(name, value));
                    break;
                case "verbosity":
                    verbosity = ParseVerbosity(Require(name, value));
                    break;
                case "dryrun":
                    mode = HostMode.DryRun;
                    break;
                case "help":
                    help = true;
                    break;
                case "tree":
                    mode = HostMode.Tree;
                    break;
                case "description":
                    mode = HostMode.Description;
                    break;
                case "version":
                    mode = HostMode.Version;
                    break;
                case "info":
                    mode = HostMode.Info;
                    break;
                case "exclusive":
                    exclusive = true;
                    break;
            }
        }

        return new CommandLine
        {
            Targets = targets,
            Options = forHost,
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
