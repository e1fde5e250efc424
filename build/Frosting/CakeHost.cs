using System.Reflection;
using Cake.Cli;
using Cake.Core;
using Cake.Core.Configuration;
using Cake.Core.Diagnostics;
using Cake.Core.Graph;
using Cake.Core.IO;
using Cake.Core.Packaging;
using Cake.Core.Scripting;
using Cake.Core.Tooling;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace KahaDeploy.Frosting;

/// <summary>
/// A small stand-in for Cake.Frosting's CakeHost (the package is not served here, DESIGN.md §3):
/// it registers the assembly's tasks into the real <see cref="CakeEngine"/> and hands the engine
/// to the script hosts Cake.Cli ships, exactly as Frosting does.
/// </summary>
public sealed class CakeHost
{
    public const string DefaultTarget = "Default";

    /// <summary>The exit code of a command line the host refuses before anything runs (as with most Unix tools).</summary>
    public const int UsageError = 2;

    private readonly List<Action<IServiceCollection>> _configure = [];
    private Type _contextType = typeof(FrostingContext);
    private Type? _lifetimeType;
    private Type? _taskLifetimeType;
    private Assembly _taskAssembly = Assembly.GetEntryAssembly() ?? typeof(CakeHost).Assembly;
    private string? _target;

    public CakeHost UseContext<TContext>() where TContext : ICakeContext
    {
        _contextType = typeof(TContext);
        return this;
    }

    public CakeHost UseLifetime<TLifetime>() where TLifetime : IFrostingLifetime
    {
        _lifetimeType = typeof(TLifetime);
        return this;
    }

    public CakeHost UseTaskLifetime<TLifetime>() where TLifetime : IFrostingTaskLifetime
    {
        _taskLifetimeType = typeof(TLifetime);
        return this;
    }

    public CakeHost AddAssembly(Assembly assembly)
    {
        _taskAssembly = assembly;
        return this;
    }

    public CakeHost ConfigureServices(Action<IServiceCollection> configure)
    {
        _configure.Add(configure);
        return this;
    }

    public int Run(IEnumerable<string> args) => RunAsync(args).GetAwaiter().GetResult();

    public async Task<int> RunAsync(IEnumerable<string> args)
    {
        CommandLine commandLine;
        try
        {
            commandLine = CommandLine.Parse(args.ToList());
        }
        catch (CommandLineException ex)
        {
            Console.Error.WriteLine($"Error: {ex.Message}");
            return UsageError;
        }

        await using var services = BuildServices(commandLine);
        ICakeLog log;
        try
        {
            log = services.GetRequiredService<ICakeLog>();
        }
        catch (Exception ex)
        {
            // The log could not be made (e.g. a bad --log-format), so there is none to report this to.
            Console.Error.WriteLine($"Error: {Unwrap(ex).Message}");
            return 1;
        }

        // As Frosting does: the log is made first, then told the verbosity from the command line.
        log.Verbosity = commandLine.Verbosity;
        try
        {
            return await RunModeAsync(commandLine, services);
        }
        catch (Exception ex) when (Unwrap(ex) is CommandLineException)
        {
            ReportError(log, commandLine.Verbosity, ex);
            return UsageError;
        }
        catch (Exception ex)
        {
            ReportError(log, commandLine.Verbosity, ex);
            return Unwrap(ex) is RunInterruptedException ? 130 : 1;
        }
    }

    private ServiceProvider BuildServices(CommandLine commandLine)
    {
        var services = new ServiceCollection();
        services.AddSingleton<ICakePlatform, CakePlatform>();
        services.AddSingleton<ICakeRuntime, CakeRuntime>();
        services.AddSingleton<ICakeEnvironment, CakeEnvironment>();
        services.AddSingleton<IFileSystem, FileSystem>();
        services.AddSingleton<IConsole, CakeConsole>();
        services.AddSingleton<ICakeLog>(p => new CakeBuildLog(p.GetRequiredService<IConsole>()));
        services.AddSingleton<ICakeArguments>(new CakeArguments(commandLine.Arguments));
        services.AddSingleton<ICakeConfiguration>(p => new CakeConfigurationProvider(
                p.GetRequiredService<IFileSystem>(), p.GetRequiredService<ICakeEnvironment>())
            .CreateConfiguration(p.GetRequiredService<ICakeEnvironment>().WorkingDirectory, new Dictionary<string, string>()));
        services.AddSingleton<IGlobber, Globber>();
        services.AddSingleton<IRegistry, WindowsRegistry>();
        services.AddSingleton<IToolRepository, ToolRepository>();
        services.AddSingleton<IToolResolutionStrategy, ToolResolutionStrategy>();
        services.AddSingleton<IToolLocator, ToolLocator>();
        services.AddSingleton<IProcessRunner, ProcessRunner>();
        services.AddSingleton<IToolInstaller>(p => new ToolInstaller(
            p.GetRequiredService<ICakeEnvironment>(), p.GetRequiredService<IToolLocator>(),
            p.GetRequiredService<ICakeConfiguration>(), p.GetRequiredService<ICakeLog>(), Array.Empty<IPackageInstaller>()));
        services.AddSingleton<ICakeDataService, CakeDataService>();
        services.AddSingleton<ICakeEngine, CakeEngine>();
        services.AddSingleton<IAnsiConsole>(_ => AnsiConsole.Console);
        services.AddSingleton<ICakeReportPrinter, CakeSpectreReportPrinter>();
        services.AddSingleton<IVersionResolver, VersionResolver>();
        services.AddSingleton<IServiceProvider>(p => p);
        services.AddSingleton<ICakeContext>(p => new CakeContext(
            p.GetRequiredService<IFileSystem>(), p.GetRequiredService<ICakeEnvironment>(), p.GetRequiredService<IGlobber>(),
            p.GetRequiredService<ICakeLog>(), p.GetRequiredService<ICakeArguments>(), p.GetRequiredService<IProcessRunner>(),
            p.GetRequiredService<IRegistry>(), p.GetRequiredService<IToolLocator>(), p.GetRequiredService<ICakeDataService>(),
            p.GetRequiredService<ICakeConfiguration>(), p.GetRequiredService<IToolInstaller>(), p));
        foreach (var configure in _configure)
        {
            configure(services);
        }

        return services.BuildServiceProvider();
    }

    private async Task<int> RunModeAsync(CommandLine commandLine, ServiceProvider services)
    {
        switch (commandLine.Mode)
        {
            case HostMode.Version:
                new VersionFeature(services.GetRequiredService<IVersionResolver>()).Run(services.GetRequiredService<IConsole>());
                return 0;
            case HostMode.Info:
                new InfoFeature(services.GetRequiredService<IVersionResolver>()).Run(services.GetRequiredService<IConsole>());
                return 0;
        }

        var engine = services.GetRequiredService<ICakeEngine>();
        RegisterTasks(engine, services);
        var graph = CakeGraphBuilder.Build(engine.Tasks);
        var target = commandLine.Mode == HostMode.Help ? DefaultTarget : ResolveTarget(engine, commandLine.Target ?? DefaultTarget);
        if (commandLine.Mode is HostMode.Run or HostMode.DryRun && services.GetService<ICommandLineCheck>() is { } check)
        {
            IReadOnlyList<string> TasksOf(string name) => graph.Exist(name) ? graph.Traverse(name).ToList() : [];
            check.Check(commandLine, target, commandLine.Exclusive ? [target] : TasksOf(target), TasksOf);
        }

        var context = (ICakeContext)ActivatorUtilities.CreateInstance(services, _contextType, services.GetRequiredService<ICakeContext>());
        RegisterLifetimes(engine, context, services);

        IScriptHost host = commandLine.Mode switch
        {
            HostMode.Tree => new TreeScriptHost(engine, context, services.GetRequiredService<IConsole>()),
            HostMode.Description => new DescriptionScriptHost(engine, context, services.GetRequiredService<IAnsiConsole>()),
            HostMode.DryRun => new DryRunScriptHost(engine, context, services.GetRequiredService<ICakeLog>()),
            _ => new BuildScriptHost(engine, new DefaultExecutionStrategy(services.GetRequiredService<ICakeLog>(), services.GetRequiredService<ICakeReportPrinter>()),
                context, services.GetRequiredService<ICakeReportPrinter>(), services.GetRequiredService<ICakeConfiguration>(), services.GetRequiredService<ICakeLog>()),
        };

        if (commandLine.Exclusive && commandLine.Mode != HostMode.Help)
        {
            host.Settings.UseExclusiveTarget();
        }

        _target = target;
        await host.RunTargetAsync(target);
        return 0;
    }

    /// <summary>The target's name as registered: an exact or case-insensitive match; else the nearest name is offered.</summary>
    private static string ResolveTarget(ICakeEngine engine, string target)
    {
        var names = engine.Tasks.Select(t => t.Name).ToList();
        if ((names.FirstOrDefault(name => name == target) ?? names.FirstOrDefault(name => name.Equals(target, StringComparison.OrdinalIgnoreCase))) is { } known)
        {
            return known;
        }

        throw new CommandLineException(Spelling.Nearest(target, names) is { } nearest
            ? $"There is no target '{target}'; did you mean {nearest}? ./build.sh --help lists the targets."
            : $"There is no target '{target}'. Choose one of: {string.Join(", ", names.Order())}.");
    }

    private void RegisterTasks(ICakeEngine engine, IServiceProvider services)
    {
        foreach (var type in _taskAssembly.GetTypes().Where(IsTaskType).OrderBy(t => t.Name))
        {
            var task = (IFrostingTask)ActivatorUtilities.CreateInstance(services, type);
            var builder = engine.RegisterTask(TaskNameOf(type));
            if (type.GetCustomAttribute<TaskDescriptionAttribute>() is { } description)
            {
                builder.Description(description.Description);
            }

            foreach (var dependency in type.GetCustomAttributes<IsDependentOnAttribute>())
            {
                builder.IsDependentOn(TaskNameOf(dependency.Task));
            }

            foreach (var dependee in type.GetCustomAttributes<IsDependeeOfAttribute>())
            {
                builder.IsDependeeOf(TaskNameOf(dependee.Task));
            }

            // Cake fails a run whose target was skipped, so the target itself still "runs" when a task finished the run early.
            var name = TaskNameOf(type);
            builder.WithCriteria(context =>
                (context is not FrostingContext { Finished: true } || name.Equals(_target, StringComparison.OrdinalIgnoreCase)) && task.ShouldRun(context));

            // A target that is only a stack of dependencies has no action, as in a Cake script: it does nothing to stop or undo.
            if (Overrides(type, "Run") || Overrides(type, "RunAsync"))
            {
                builder.Does(task.RunAsync);
            }

            // Cake treats an error handler as having handled the error, so register one only where the task asked for it.
            if (Overrides(type, nameof(IFrostingTask.OnError)))
            {
                builder.OnError(task.OnError);
            }

            if (Overrides(type, nameof(IFrostingTask.Finally)))
            {
                builder.Finally(task.Finally);
            }
        }
    }

    private void RegisterLifetimes(ICakeEngine engine, ICakeContext context, IServiceProvider services)
    {
        if (_lifetimeType is not null)
        {
            var lifetime = (IFrostingLifetime)ActivatorUtilities.CreateInstance(services, _lifetimeType);
            engine.RegisterSetupAction(info => lifetime.Setup(context, info));
            engine.RegisterTeardownAction(info => lifetime.Teardown(context, info));
        }

        if (_taskLifetimeType is not null)
        {
            var lifetime = (IFrostingTaskLifetime)ActivatorUtilities.CreateInstance(services, _taskLifetimeType);
            engine.RegisterTaskSetupAction(info => lifetime.Setup(context, info));
            engine.RegisterTaskTeardownAction(info => lifetime.Teardown(context, info));
        }
    }

    private static void ReportError(ICakeLog log, Verbosity verbosity, Exception exception)
    {
        var root = Unwrap(exception);
        log.Error("Error: {0}", root.Message);
        if (verbosity >= Verbosity.Diagnostic)
        {
            log.Error(root.ToString());
        }
    }

    private static Exception Unwrap(Exception exception) => exception switch
    {
        AggregateException { InnerExceptions.Count: 1 } aggregate => Unwrap(aggregate.InnerExceptions[0]),
        TargetInvocationException { InnerException: { } inner } => Unwrap(inner),
        CakeReportException { InnerException: { } inner } => Unwrap(inner),
        _ => exception,
    };

    private static bool IsTaskType(Type type) =>
        typeof(IFrostingTask).IsAssignableFrom(type) && type is { IsAbstract: false, IsClass: true };

    internal static string TaskNameOf(Type type) =>
        type.GetCustomAttribute<TaskNameAttribute>()?.Name ?? type.Name;

    private static bool Overrides(Type type, string method) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Any(m => m.Name == method && m.DeclaringType is { IsGenericType: false } declaring && declaring != typeof(FrostingTask));
}
