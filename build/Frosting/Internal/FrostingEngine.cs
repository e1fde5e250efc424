using System.Reflection;
using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Core.Scripting;
using Microsoft.Extensions.DependencyInjection;

namespace KahaDeploy.Frosting.Internal;

/// <summary>Registers the tasks and lifetimes found in the services into the Cake engine, then runs the targets on a script host.</summary>
internal sealed class FrostingEngine(IScriptHost host, IServiceProvider services)
{
    private readonly ICakeEngine _engine = services.GetRequiredService<ICakeEngine>();
    private readonly IFrostingContext _context = services.GetRequiredService<IFrostingContext>();
    private readonly ICakeLog _log = services.GetRequiredService<ICakeLog>();

    public ExecutionSettings Settings => host.Settings;

    public void Run(IEnumerable<string> targets)
    {
        foreach (var task in services.GetServices<IFrostingTask>())
        {
            Register(task);
        }

        if (services.GetService<IFrostingSetup>() is { } setup)
        {
            _engine.RegisterSetupAction(info => setup.Setup(_context, info));
        }

        if (services.GetService<IFrostingTeardown>() is { } teardown)
        {
            _engine.RegisterTeardownAction(info => teardown.Teardown(_context, info));
        }

        if (services.GetService<IFrostingTaskSetup>() is { } taskSetup)
        {
            _engine.RegisterTaskSetupAction(info => taskSetup.Setup(_context, info));
        }

        if (services.GetService<IFrostingTaskTeardown>() is { } taskTeardown)
        {
            _engine.RegisterTaskTeardownAction(info => taskTeardown.Teardown(_context, info));
        }

        host.RunTargetsAsync(targets).GetAwaiter().GetResult();
    }

    private void Register(IFrostingTask task)
    {
        var type = task.GetType();
        var name = TaskNames.Of(type);
        var contextType = ContextTypeOf(type);
        if (!contextType.IsInstanceOfType(_context))
        {
            _log.Warning("Task cannot be used since the context isn't convertible to {0}.", contextType.FullName);
            return;
        }

        var builder = _engine.RegisterTask(name);
        if (type.GetCustomAttribute<TaskDescriptionAttribute>() is { Description: { Length: > 0 } description })
        {
            builder.Description(description);
        }

        // A target that is only a stack of dependencies has no action, as in a Cake script.
        if (Overrides(type, "Run") || Overrides(type, "RunAsync"))
        {
            builder.Does(task.RunAsync);
        }

        if (Overrides(type, nameof(IFrostingTask.ShouldRun)))
        {
            builder.WithCriteria(task.ShouldRun, task.SkippedMessage);
        }

        if (type.GetCustomAttribute<ContinueOnErrorAttribute>() is not null)
        {
            builder.ContinueOnError();
        }

        // Cake treats an error handler as having handled the error, so one is registered only where the task asked for it.
        if (Overrides(type, nameof(IFrostingTask.OnError)))
        {
            builder.OnError(exception => task.OnError(exception, _context));
        }

        if (Overrides(type, nameof(IFrostingTask.Finally)))
        {
            builder.Finally(() => task.Finally(_context));
        }

        foreach (var dependency in type.GetCustomAttributes<IsDependentOnAttribute>())
        {
            builder.IsDependentOn(TaskName(dependency.Task, "dependency"));
        }

        foreach (var dependee in type.GetCustomAttributes<IsDependeeOfAttribute>())
        {
            builder.IsDependeeOf(TaskName(dependee.Task, "reverse dependency"));
        }
    }

    private static string TaskName(Type task, string relation) =>
        typeof(IFrostingTask).IsAssignableFrom(task)
            ? TaskNames.Of(task)
            : throw new FrostingException($"The {relation} '{TaskNames.Of(task)}' is not a valid task.");

    /// <summary>The context a task is written for: the type argument of its FrostingTask base, else any.</summary>
    private static Type ContextTypeOf(Type type)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (current.IsGenericType && (current.GetGenericTypeDefinition() == typeof(FrostingTask<>) || current.GetGenericTypeDefinition() == typeof(AsyncFrostingTask<>)))
            {
                return current.GetGenericArguments()[0];
            }
        }

        return typeof(ICakeContext);
    }

    private static bool Overrides(Type type, string method) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Any(m => m.Name == method && m.DeclaringType != m.GetBaseDefinition().DeclaringType);
}
