using System.Diagnostics;
using System.Globalization;
using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Releases;

/// <summary>
/// Ends the warm-standby window: a detached shell waits out the window, then runs this tool (target StopStandby),
/// which stops NAME_previous. Its pid is kept in the state folder so the next change can cancel it.
/// </summary>
public sealed class StandbyTimer(ICakeLog log)
{
    public static string PidFile(DeploySettings settings) => Path.Combine(settings.EnvironmentStateFolder, "standby.pid");

    private static string UntilFile(DeploySettings settings) => Path.Combine(settings.EnvironmentStateFolder, "standby.until");

    /// <summary>When the pending timer stops the standby; null when no timer is pending or its time has passed.</summary>
    public static DateTimeOffset? Until(DeploySettings settings) =>
        File.Exists(PidFile(settings))
        && File.Exists(UntilFile(settings))
        && DateTimeOffset.TryParse(File.ReadAllText(UntilFile(settings)).Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var until)
        && until > DateTimeOffset.UtcNow
            ? until
            : null;

    /// <summary>Starts the timer; returns when it will stop the standby.</summary>
    public DateTimeOffset Schedule(DeploySettings settings, string slot, TimeSpan window)
    {
        Cancel(settings);
        var command = ToolCommand.With(
        [
            "--target=StopStandby", $"--env={settings.Environment}", $"--config={settings.ConfigFile}",
            $"--slot={slot}", "--verbosity=minimal",
        ]);

        // Detached into its own session, its output to a file: it outlives this run and its terminal. At the lowest
        // priority: the tool's start-up and its docker stop at the end of the window take no CPU from the releases serving.
        var logFile = Path.Combine(settings.EnvironmentStateFolder, "standby.log");
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"{string.Join(' ', LowPriority.InSessionOfItsOwn(19, command, after: window).Select(Quote))} >>{Quote(logFile)} 2>&1 </dev/null & echo $!");
        using var shell = Process.Start(start)!;
        var pid = shell.StandardOutput.ReadLine();
        shell.WaitForExit();
        var until = DateTimeOffset.UtcNow + window;
        File.WriteAllText(UntilFile(settings), until.ToString("O", CultureInfo.InvariantCulture));
        File.WriteAllText(PidFile(settings), pid);
        log.Information("{0} stays running as a warm standby for {1:N0} s, then it is stopped (kept for Rollback).", settings.PreviousContainer, window.TotalSeconds);
        return until;
    }

    /// <summary>Stops a pending timer this tool started, found by the pid it recorded.</summary>
    public void Cancel(DeploySettings settings)
    {
        var file = PidFile(settings);
        if (!File.Exists(file))
        {
            return;
        }

        if (int.TryParse(File.ReadAllText(file).Trim(), out var pid) && pid != Environment.ProcessId)
        {
            try
            {
                // Still the timer (the shell waiting, or the tool it became), not a process that took its id since.
                if (File.ReadAllText($"/proc/{pid}/cmdline").Contains("--target=StopStandby", StringComparison.Ordinal))
                {
                    using var timer = Process.GetProcessById(pid);
                    timer.Kill(entireProcessTree: true);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                // It ended meanwhile.
            }
        }

        File.Delete(file);
        File.Delete(UntilFile(settings));
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''") + "'";
}
