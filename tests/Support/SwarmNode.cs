namespace KahaDeploy.Tests.Support;

/// <summary>One node of a <see cref="TwoNodeSwarm"/>: its namespace, address and engine.</summary>
public sealed class SwarmNode(TwoNodeSwarm swarm, string name, string address, int bridgeOctet)
{
    public string Name { get; } = name;

    public string Namespace => $"{swarm.Bridge}{Name}";

    /// <summary>Its address on the bridge: where its host-mode published ports answer.</summary>
    public string Address { get; } = address;

    /// <summary>The X of 172.31.X.1/24, its default bridge inside its own namespace.</summary>
    public int BridgeOctet { get; } = bridgeOctet;

    public string Root => Path.Combine(swarm.Root, Name);

    public string DockerHost => $"unix://{Path.Combine(Root, "d.sock")}";

    public int? Pid { get; internal set; }

    /// <summary>Its node id in the swarm (both nodes report the same hostname).</summary>
    public string Id => Docker("info", "--format", "{{.Swarm.NodeID}}");

    /// <summary>The docker CLI against this node's engine; fails the test when it fails.</summary>
    public string Docker(params string[] arguments) => Shell.Must("docker", ["-H", DockerHost, .. arguments]);
}
