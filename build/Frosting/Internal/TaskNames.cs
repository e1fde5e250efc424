using System.Reflection;

namespace KahaDeploy.Frosting.Internal;

internal static class TaskNames
{
    /// <summary>[TaskName]'s name, else the class's.</summary>
    public static string Of(Type type) => type.GetCustomAttribute<TaskNameAttribute>()?.Name ?? type.Name;
}
