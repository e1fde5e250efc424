using KahaProxy.Contract;

namespace KahaProxy;

/// <summary>What the proxy is started with: set by the deploy tool, in the environment of the container it creates.</summary>
/// <param name="Discover">HOST:PORT in discovery mode (<see cref="DnsDiscovery"/>), null when the proxy routes as the tool switches it.</param>
public sealed record ProxyStartupSettings(IReadOnlyList<int> PublicPorts, string AdminSocket, string StateFile, string? Discover = null)
{
    public static ProxyStartupSettings FromEnvironment()
    {
        var ports = (Environment.GetEnvironmentVariable(ProxyAdminApi.PortsVariable) ?? "80")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(int.Parse)
            .ToList();
        var state = Environment.GetEnvironmentVariable(ProxyAdminApi.StateVariable) ?? ProxyAdminApi.StateFolder;
        Directory.CreateDirectory(state);
        var discover = Environment.GetEnvironmentVariable(ProxyAdminApi.DiscoverVariable);
        if (discover is not null && !DnsDiscovery.IsTarget(discover))
        {
            Console.Error.WriteLine($"Error: {ProxyAdminApi.DiscoverVariable}={discover} is not HOST:PORT; set it to e.g. tasks.kaha_prod:3000, or unset it to route as the tool switches.");
            Environment.Exit(2);
        }

        return new ProxyStartupSettings(ports, Path.Combine(state, ProxyAdminApi.SocketName), Path.Combine(state, ProxyAdminApi.RouteFileName), discover);
    }
}
