using KahaProxy.Contract;

namespace KahaProxy;

/// <summary>What the proxy is started with: set by the deploy tool, in the environment of the container it creates.</summary>
public sealed record ProxyStartupSettings(IReadOnlyList<int> PublicPorts, string AdminSocket, string StateFile)
{
    public static ProxyStartupSettings FromEnvironment()
    {
        var ports = (Environment.GetEnvironmentVariable(ProxyAdminApi.PortsVariable) ?? "80")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(int.Parse)
            .ToList();
        var state = Environment.GetEnvironmentVariable(ProxyAdminApi.StateVariable) ?? ProxyAdminApi.StateFolder;
        Directory.CreateDirectory(state);
        return new ProxyStartupSettings(ports, Path.Combine(state, ProxyAdminApi.SocketName), Path.Combine(state, ProxyAdminApi.RouteFileName));
    }
}
