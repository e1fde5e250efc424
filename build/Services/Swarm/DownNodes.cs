using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Swarm;

/// <summary>
/// Which nodes of the swarm the manager (DOCKER_HOST) counts out. A stopped or unreachable node is listed down after
/// its heartbeat period (~16 s here); Swarm starts its tasks again on the others.
/// </summary>
public sealed class DownNodes(DockerConnector docker, ICakeLog log)
{
    /// <summary>Says which nodes are down, one warning each; a release then runs on the others.</summary>
    public async Task<IReadOnlyList<SwarmNodeInfo>> WarnAsync()
    {
        var nodes = await docker.Engine.ListNodesAsync();
        var down = nodes.Where(n => n.Down).ToList();
        foreach (var node in down)
        {
            log.Warning("{0}; its tasks run on the other nodes ({1} of {2} ready).", Line(node), nodes.Count - down.Count, nodes.Count);
        }

        return down;
    }

    /// <summary><c>node HOST (ID) is down: REASON</c>, the reason in the manager's words.</summary>
    public static string Line(SwarmNodeInfo node) => $"{node.DisplayName} is {node.State}: {Reason(node)}";

    public static string Reason(SwarmNodeInfo node) => node.Message.Length > 0 ? node.Message : "the manager has not heard from it";
}
