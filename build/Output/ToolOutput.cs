using Cake.Core.Diagnostics;
using Cake.Core.Tooling;

namespace KahaDeploy.Output;

public static class ToolOutput
{
    /// <summary>
    /// What the tool prints goes through Cake's log line by line instead of straight to the terminal, so it is masked,
    /// lands in the run's log file, and stays off stdout with --log-format=json.
    /// </summary>
    public static T LoggedTo<T>(this T settings, ICakeLog log) where T : ToolSettings
    {
        settings.SetupProcessSettings = process =>
        {
            process.RedirectStandardOutput = true;
            process.RedirectStandardError = true;
            process.RedirectedStandardOutputHandler = line => Logged(log, line);
            process.RedirectedStandardErrorHandler = line => Logged(log, line);
        };
        return settings;
    }

    // The end of a stream comes as a null line; it is no output, and would print as "[NULL]".
    private static string Logged(ICakeLog log, string? line)
    {
        if (line is not null)
        {
            log.Information(line);
        }

        return line!;
    }
}
