namespace KahaDeploy.Services.Swarm;

/// <summary>The swarm's nodes, read once a run and again when a task names one not seen yet.</summary>
public sealed class SwarmNodes(DockerConnector docker)
{
    private IReadOnlyList<SwarmNodeInfo> _nodes = [];

    public async Task<IReadOnlyList<SwarmNodeInfo>> ListAsync(bool fresh = false)
    {
        if (fresh || _nodes.Count == 0)
        {
            _nodes = await docker.Engine.ListNodesAsync();
        }

        return _nodes;
    }

    /// <summary>"node HOSTNAME (SHORT ID)": nodes may share a hostname (the id tells them apart).</summary>
    public async Task<string> NameAsync(string nodeId)
    {
        if (nodeId.Length == 0)
        {
            return "no node yet";
        }

        var node = (await ListAsync()).FirstOrDefault(n => n.Id == nodeId) ?? (await ListAsync(fresh: true)).FirstOrDefault(n => n.Id == nodeId);
        return node is null ? $"node {nodeId[..Math.Min(12, nodeId.Length)]}" : $"node {node.Hostname} ({node.ShortId})";
    }
}
