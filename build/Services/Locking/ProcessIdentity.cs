using System.Diagnostics;

namespace KahaDeploy.Services.Locking;

/// <summary>A process on some host, told apart from a later one that got the same pid by its start time.</summary>
public sealed record ProcessIdentity(string Host, int Pid, DateTimeOffset Started)
{
    public static ProcessIdentity Current()
    {
        using var self = Process.GetCurrentProcess();
        return new ProcessIdentity(Environment.MachineName, Environment.ProcessId, self.StartTime.ToUniversalTime());
    }

    /// <summary>Whether the process still runs; one on another machine cannot be checked from here, so it counts as running.</summary>
    public bool IsAlive()
    {
        if (Host != Environment.MachineName)
        {
            return true;
        }

        try
        {
            using var process = Process.GetProcessById(Pid);
            // A recycled pid belongs to a process that started after this one.
            return !process.HasExited && Math.Abs((process.StartTime.ToUniversalTime() - Started.UtcDateTime).TotalSeconds) < 2;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
