namespace KahaDeploy.Services.Docker;

/// <summary>A TCP port published on the host: <c>HostIp:HostPort -> ContainerPort</c>. An empty <paramref name="HostIp"/> means every interface.</summary>
public sealed record PublishedPort(string HostIp, int HostPort, int ContainerPort)
{
    public override string ToString() => $"{(HostIp.Length == 0 ? "0.0.0.0" : HostIp)}:{HostPort}->{ContainerPort}/tcp";
}
