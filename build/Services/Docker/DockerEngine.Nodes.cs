namespace KahaDeploy.Services.Docker;

public sealed partial class DockerEngine
{
    /// <summary>The swarm's nodes, as the manager sees them (asking a worker fails: only a manager knows the swarm).</summary>
    public Task<IReadOnlyList<SwarmNodeInfo>> ListNodesAsync() =>
        CallAsync<IReadOnlyList<SwarmNodeInfo>>("list the swarm's nodes", async () =>
            (await _client.Swarm.ListNodesAsync().ConfigureAwait(false)).Select(EngineMapping.ToNodeInfo).ToList());
}
