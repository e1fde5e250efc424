using System.Reflection;
using Cake.Cli;
using KahaDeploy.Frosting.Internal;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace KahaDeploy.Frosting;

/// <summary>
/// A stand-in for Cake.Frosting's CakeHost (the package is not served here, DESIGN.md §3), mirroring its public API and
/// its behaviour: the command line is Frosting's (Spectre.Console.Cli with Frosting's settings; a plain run's line is read
/// the same way without it, see <see cref="PlainRun"/>), the tasks of the added
/// assemblies and of the services are registered into the real <see cref="Cake.Core.CakeEngine"/>, and the engine is
/// handed to the script hosts Cake.Cli ships.
/// </summary>
public sealed class CakeHost
{
    private readonly IServiceCollection _services = HostServices.Create();
    private readonly List<Assembly> _assemblies = [];

    public CakeHost()
    {
        if (Assembly.GetEntryAssembly() is { } entry)
        {
            _assemblies.Add(entry);
        }
    }

    public static CakeHost Create() => new();

    /// <summary>Adds an assembly whose public task classes are registered, besides the entry assembly's.</summary>
    public CakeHost AddAssembly(Assembly assembly)
    {
        _assemblies.Add(assembly);
        return this;
    }

    public CakeHost ConfigureServices(Action<IServiceCollection> services)
    {
        services(_services);
        return this;
    }

    public int Run(IEnumerable<string> args)
    {
        foreach (var task in _assemblies.Distinct().SelectMany(a => a.GetExportedTypes()).Where(IsTask))
        {
            _services.AddSingleton(typeof(IFrostingTask), task);
        }

        var arguments = args.ToList();
        if (PlainRun.Read(arguments) is { } plain)
        {
            return RunPlain(plain.Context, plain.Settings);
        }

        var registrar = new TypeRegistrar();
        registrar.RegisterInstance(typeof(IServiceCollection), _services);
        var app = new CommandApp<DefaultCommand>(registrar);
        app.Configure(config =>
        {
            config.AddExample([]);
            config.AddExample("--verbosity", "quiet");
            config.AddExample("--tree");

            // As in Frosting: "--name=value" for one of the host's flags is a Cake argument, not a parse error.
            config.Settings.ConvertFlagsToRemainingArguments = true;
        });
        return app.Run(arguments);
    }

    /// <summary>The command as Spectre.Console.Cli runs it: an exception that escapes it is one red "Error:" line and exit code -1.</summary>
    private int RunPlain(CommandContext context, DefaultCommandSettings settings)
    {
        try
        {
            return new DefaultCommand(_services).Execute(context, settings, CancellationToken.None);
        }
        catch (Exception ex)
        {
            AnsiConsole.MarkupLine($"[red]Error:[/] {ex.Message.EscapeMarkup()}");
            return -1;
        }
    }

    private static bool IsTask(Type type) => typeof(IFrostingTask).IsAssignableFrom(type) && type is { IsClass: true, IsAbstract: false };
}
