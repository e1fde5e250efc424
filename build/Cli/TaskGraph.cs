using System.Reflection;
using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Core.Graph;
using KahaDeploy.Frosting;

namespace KahaDeploy.Cli;

/// <summary>
/// The tool's task graph as its attributes declare it, built with Cake's own graph builder, so the command line can be
/// checked against the tasks a run would execute before the host starts any of them.
/// </summary>
public sealed class TaskGraph
{
    private readonly CakeGraph _graph;
    private readonly IReadOnlyList<string> _names;

    private TaskGraph(CakeGraph graph, IReadOnlyList<string> names)
    {
        _graph = graph;
        _names = names;
    }

    public static TaskGraph Of(Assembly assembly)
    {
        var engine = new CakeEngine(new CakeDataService(), new NullLog());
        foreach (var type in TaskTypes(assembly))
        {
            var task = engine.RegisterTask(NameOf(type));
            foreach (var dependency in type.GetCustomAttributes<IsDependentOnAttribute>())
            {
                task.IsDependentOn(NameOf(dependency.Task));
            }

            foreach (var dependee in type.GetCustomAttributes<IsDependeeOfAttribute>())
            {
                task.IsDependeeOf(NameOf(dependee.Task));
            }
        }

        return new TaskGraph(CakeGraphBuilder.Build(engine.Tasks), engine.Tasks.Select(t => t.Name).ToList());
    }

    /// <summary>The target's name as registered: an exact or case-insensitive match; else the nearest name is offered.</summary>
    public string Resolve(string target)
    {
        if ((_names.FirstOrDefault(name => name == target) ?? _names.FirstOrDefault(name => name.Equals(target, StringComparison.OrdinalIgnoreCase))) is { } known)
        {
            return known;
        }

        throw new CommandLineException(Spelling.Nearest(target, _names) is { } nearest
            ? $"There is no target '{target}'; did you mean {nearest}? ./build.sh --help lists the targets."
            : $"There is no target '{target}'. Choose one of: {string.Join(", ", _names.Order())}.");
    }

    /// <summary>The tasks a target runs, itself included.</summary>
    public IReadOnlyList<string> TasksOf(string target) => _graph.Exist(target) ? _graph.Traverse(target).ToList() : [];

    /// <summary>The task classes of <paramref name="assembly"/>.</summary>
    public static IEnumerable<Type> TaskTypes(Assembly assembly) =>
        assembly.GetExportedTypes().Where(t => typeof(IFrostingTask).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false });

    /// <summary>A task's name in the graph: its [TaskName], else its class name.</summary>
    public static string NameOf(Type type) => type.GetCustomAttribute<TaskNameAttribute>()?.Name ?? type.Name;
}
