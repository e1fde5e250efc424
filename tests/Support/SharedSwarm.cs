namespace KahaDeploy.Tests.Support;

/// <summary>
/// One <see cref="TwoNodeSwarm"/> for all the swarm test classes of a run: setting one up (daemons, registry, the base
/// images the first build on the manager fetches) is paid once, not per class. Each class removes the services it made
/// (<see cref="RemoveServices"/>); a class that breaks the swarm (stops a node) gives it back as <see cref="Spent"/>, and the
/// next user gets a new one. <see cref="GlobalSetup"/> removes the last one when the run ends.
/// </summary>
public static class SharedSwarm
{
    private static readonly System.Threading.Lock Gate = new();
    private static TwoNodeSwarm? _swarm;

    public static TwoNodeSwarm Get()
    {
        lock (Gate)
        {
            return _swarm ??= new TwoNodeSwarm();
        }
    }

    /// <summary>The services of an environment (the app, its proxy, its Redis), when the class ends: the next class runs on an idle swarm.</summary>
    public static void RemoveServices(string container)
    {
        lock (Gate)
        {
            if (_swarm is null)
            {
                return;
            }

            var services = _swarm.Manager.Docker("service", "ls", "-q", "--filter", $"name={container}").Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (services.Length > 0)
            {
                Shell.Run("docker", ["-H", _swarm.Manager.DockerHost, "service", "rm", .. services]);
            }
        }
    }

    /// <summary>For a class that left the swarm unfit for the next (a node stopped): it is removed now.</summary>
    public static void Spent()
    {
        lock (Gate)
        {
            _swarm?.Dispose();
            _swarm = null;
        }
    }
}
