using System.Diagnostics;

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

    /// <summary>
    /// Starts a run of this tool in a session of its own (a Ctrl-C in the starting terminal must not cut a deploy or a
    /// rollback half-way) at <paramref name="nice"/>, with no input, without colour, its output read through the process.
    /// </summary>
    public static Process StartChild(IEnumerable<string> arguments, int nice, string workingDirectory)
    {
        var command = LowPriority.InSessionOfItsOwn(nice, With(arguments));
        var start = new ProcessStartInfo
        {
            FileName = command[0],
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NO_COLOR"] = "1";
        var process = Process.Start(start)!;
        process.StandardInput.Close();
        return process;
    }
}
