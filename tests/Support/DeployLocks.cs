using System.Diagnostics;
using System.Globalization;

namespace KahaDeploy.Tests.Support;

/// <summary>
/// The deploy lock as it lives on the engine: a created, never started container NAME_lock whose labels name the holder.
/// A test holds one with the docker command, as another run (another checkout, the listener) would hold it.
/// </summary>
public static class DeployLocks
{
    private const string Image = "kaha-local/record:1";

    public static string NameFor(string container) => container + "_lock";

    public static bool Exists(string container) => DockerCli.State(NameFor(container)) is not null;

    /// <summary>The pid of the process holding the lock, or null when nobody holds it.</summary>
    public static int? HolderPid(string container)
    {
        var result = Shell.Run("docker", "inspect", "--format", "{{index .Config.Labels \"org.kaha.lock.pid\"}}", NameFor(container));
        return result.ExitCode == 0 && int.TryParse(result.StdOut.Trim(), CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    /// <summary>Holds the lock for this test's own process, which is alive: a run must wait for it or refuse.</summary>
    public static void HoldByThisProcess(string container, string user)
    {
        using var self = Process.GetCurrentProcess();
        Hold(container, user, Environment.ProcessId, self.StartTime.ToUniversalTime());
    }

    public static void Hold(string container, string user, int pid, DateTimeOffset processStarted)
    {
        if (Shell.Run("docker", "image", "inspect", Image).ExitCode != 0)
        {
            DockerCli.BuildLabelledImage(Path.Combine(Path.GetTempPath(), "kaha-tests", "record-image"), "org.kaha.role=record", Image);
        }

        string[] labels =
        [
            $"org.kaha.lock.user={user}",
            $"org.kaha.lock.host={Environment.MachineName}",
            $"org.kaha.lock.pid={pid.ToString(CultureInfo.InvariantCulture)}",
            $"org.kaha.lock.process-started={processStarted:O}",
            "org.kaha.lock.target=Deploy",
            $"org.kaha.lock.since={DateTimeOffset.UtcNow:O}",
            "org.kaha.lock.checkout=/srv/other-checkout",
        ];
        Shell.Must("docker", ["create", "--name", NameFor(container), .. labels.SelectMany(l => new[] { "--label", l }), Image, "record"]);
    }

    public static void Release(string container) => Shell.Run("docker", "rm", "-f", NameFor(container));
}
