namespace KahaDeploy.Services.Host;

/// <summary>
/// This tool started again, as a child that outlives a step (the standby timer, a listener's deploy): the way this process
/// was started, the published apphost alone or dotnet with the tool's dll, since the host refuses a dll path as an argument.
/// </summary>
public static class ToolCommand
{
    public static IReadOnlyList<string> With(IEnumerable<string> arguments)
    {
        var host = Environment.ProcessPath!;
        return Path.GetFileNameWithoutExtension(host) == "dotnet"
            ? [host, typeof(ToolCommand).Assembly.Location, .. arguments]
            : [host, .. arguments];
    }
}
