using System.Reflection;

namespace KahaDeploy.Cli;

/// <summary>A target that only reads: it needs no secrets, and reads every environment or --env's.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ReadOnlyAttribute : Attribute;

/// <summary>A target that changes what runs in an environment: each real run gets a log file and a history line, and its failure is news for the team.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ChangesEnvironmentAttribute : Attribute;

/// <summary>A target whose successful real run ends with the one line that says what is live where (read back from the engine).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class EndsWithWhatIsLiveAttribute : Attribute;

/// <summary>A target whose stdout is data for scripts (the app's own output): the tool's log, tables and report go to stderr.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class DataOnStdoutAttribute : Attribute;

/// <summary>What kind of target a task is, as its class declares it with the attributes above; the task classes are read once.</summary>
public static class TargetKind
{
    private static readonly IReadOnlyDictionary<string, Type> Tasks =
        TaskGraph.TaskTypes(typeof(TargetKind).Assembly).ToDictionary(TaskGraph.NameOf, StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether the task named <paramref name="task"/> (in any case) is declared <typeparamref name="TKind"/>.</summary>
    public static bool Is<TKind>(string? task) where TKind : Attribute =>
        task is not null && Tasks.TryGetValue(task, out var type) && type.IsDefined(typeof(TKind));

    /// <summary>The tasks declared <typeparamref name="TKind"/>.</summary>
    public static string[] All<TKind>() where TKind : Attribute =>
        [.. Tasks.Where(task => task.Value.IsDefined(typeof(TKind))).Select(task => task.Key).Order(StringComparer.Ordinal)];
}
