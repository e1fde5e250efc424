using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Swarm;

/// <summary>
/// The nodes of the swarm the manager (DOCKER_HOST) leads, and which of them are out. A stopped or unreachable node is
/// listed down by the manager after its heartbeat period (~16 s here); its tasks are started again on the others.
/// </summary>
public sealed class SwarmNodes(DockerConnector docker, ICakeLog log)
{
    public Task<IReadOnlyList<SwarmNodeInfo>> ReadAsync() => docker.Engine.ListNodesAsync();

    /// <summary>Says which nodes are down, one warning each; a release then runs on the others.</summary>
    public async Task<IReadOnlyList<SwarmNodeInfo>> WarnAboutDownNodesAsync()
    {
        var nodes = await ReadAsync();
        var down = nodes.Where(n => n.Down).ToList();
        foreach (var node in down)
        {
            log.Warning("{0}; its tasks run on the other nodes ({1} of {2} ready).", DownLine(node), nodes.Count - down.Count, nodes.Count);
        }

        return down;
    }

    /// <summary>How a node is named to people: hostnames may repeat (cloned machines), so with its short id.</summary>
    public static string Name(SwarmNodeInfo node) => $"node {node.Hostname} ({node.ShortId})";

    /// <summary><c>node HOST (ID) is down: REASON</c>, the reason in the manager's words.</summary>
    public static string DownLine(SwarmNodeInfo node) => $"{Name(node)} is {node.State}: {Reason(node)}";

    public static string Reason(SwarmNodeInfo node) => node.Message.Length > 0 ? node.Message : "the manager has not heard from it";
}
