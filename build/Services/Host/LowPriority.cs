namespace KahaDeploy.Services.Host;

/// <summary>
/// Starts a program of this tool's in a session of its own at a low CPU priority, also for its session's scheduling
/// group. On Linux each session is one group (autogroup) that competes as a whole with every other session and with
/// the engine's containers, so a nice alone only ranks a process inside its own group; the group's nice is what lets
/// the releases serving traffic go first. Without privileges the kernel lets a process lower its priority, not raise it.
/// </summary>
public static class LowPriority
{
    /// <summary>
    /// The command line that runs <paramref name="command"/> so; each step execs the next, so it keeps one process id.
    /// With <paramref name="after"/>, the shell waits that long at the same priority before it execs the command: no
    /// process of the tool sits in memory meanwhile (a waiting tool took 85 MB), and the tool starts only when it has work.
    /// </summary>
    public static IReadOnlyList<string> InSessionOfItsOwn(int nice, IEnumerable<string> command, TimeSpan after = default) =>
    [
        "setsid", "nice", "-n", $"{nice}", "/bin/sh", "-c",
        $"{{ echo {nice} >/proc/self/autogroup; }} 2>/dev/null; {(after > TimeSpan.Zero ? $"sleep {(long)Math.Ceiling(after.TotalSeconds)} && " : "")}exec \"$@\"",
        "kaha-low-priority",
        .. command,
    ];
}
