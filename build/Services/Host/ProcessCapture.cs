using Cake.Core.IO;

namespace KahaDeploy.Services.Host;

public sealed record CapturedProcess(int ExitCode, string Output, IReadOnlyList<string> ErrorLines)
{
    /// <summary>The line a person needs when the program failed: its last error line, or its exit code.</summary>
    public string Reason => ErrorLines.LastOrDefault(l => l.Trim().Length > 0)?.Trim() ?? $"exit code {ExitCode}";
}

public static class ProcessCapture
{
    /// <summary>Runs a program through Cake's process runner and keeps what it printed, instead of passing it to the console.</summary>
    public static CapturedProcess Capture(
        this IProcessRunner processes, string program, string arguments, string? workingDirectory = null, IDictionary<string, string>? environment = null)
    {
        var settings = new ProcessSettings
        {
            Arguments = arguments,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            EnvironmentVariables = environment,
        };
        if (workingDirectory is not null)
        {
            settings.WorkingDirectory = workingDirectory;
        }

        using var process = processes.Start(program, settings);

        // Cake queues the output as it arrives; reading it before the exit loses lines of a fast program.
        process.WaitForExit();
        var output = string.Join('\n', process.GetStandardOutput());
        var errors = process.GetStandardError().ToList();
        return new CapturedProcess(process.GetExitCode(), output, errors);
    }
}
