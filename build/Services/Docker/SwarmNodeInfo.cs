namespace KahaDeploy.Services.Docker;

/// <summary>
/// A node of the swarm: its <paramref name="State"/> (<c>ready</c>, <c>down</c>, <c>unknown</c>, <c>disconnected</c>),
/// <paramref name="Availability"/> (<c>active</c>, <c>pause</c>, <c>drain</c>), its address, and the manager's
/// <paramref name="Message"/> on its state (e.g. <c>heartbeat failure</c>). Nodes may share a hostname: tell them apart by id.
/// </summary>
public sealed record SwarmNodeInfo(string Id, string Hostname, string Address, string State, string Availability, bool Manager, bool Leader, string Message = "")
{
    public string ShortId => Id.Length > 12 ? Id[..12] : Id;

    /// <summary><c>node HOSTNAME (SHORT ID)</c>, as people are told about it: hostnames may repeat (cloned machines).</summary>
    public string DisplayName => $"node {Hostname} ({ShortId})";

    /// <summary>Whether the manager counts the node out (down, disconnected or not heard of): its tasks run elsewhere.</summary>
    public bool Down => State != "ready";
}
