using System.Reflection;
using Cake.Cli;

namespace KahaDeploy.Cli;

/// <summary>--version and --info name this tool and the commit it was built from (the SDK stamps it after a '+').</summary>
public sealed class ToolVersion : IVersionResolver
{
    private static readonly string Informational =
        typeof(ToolVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public string GetVersion()
    {
        var parts = Informational.Split('+', 2);
        var commit = parts.Length == 2 && parts[1].Length >= 12 ? parts[1][..12] : "unknown";
        return $"kaha-deploy {parts[0]} (commit {commit})";
    }

    public string GetProductVersion() => Informational;
}
