using System.Security.Cryptography;
using System.Text;
using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Swarm;

/// <summary>
/// The proxy on a swarm: the global service NAME_proxy, one task on every node, publishing the environment's ports on
/// that node (host mode: this kernel has no IPVS for Swarm's routing mesh, and the mesh drops requests during updates).
/// Each resolves tasks.NAME, the app's healthy tasks, every 500 ms and retries on another task a request that never
/// reached an app. Its image is the single-server proxy's, pushed to the registry once. It outlives every deploy: it is
/// changed only when its image, ports or target change.
/// </summary>
public sealed class SwarmProxy(DockerConnector docker, ProxyContainer proxyContainer, SwarmImages images, ICakeLog log)
{
    private const string Repository = "kaha-proxy";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    public async Task EnsureAsync(DeploySettings settings)
    {
        var engine = docker.Engine;
        var name = ReleaseNames.Proxy(settings.Container);
        await engine.EnsureOverlayNetworkAsync(settings.Container, new Dictionary<string, string> { [ReleaseNames.AppLabel] = settings.AppName });
        var local = await proxyContainer.ProxyImageAsync(settings);
        var repository = $"{settings.Swarm!.Registry}/{Repository}";
        var tag = local[(local.LastIndexOf(':') + 1)..];
        var spec = Spec(settings, name, $"{repository}:{tag}");
        var existing = await engine.InspectServiceAsync(name);
        if (existing?.Labels.GetValueOrDefault(ReleaseNames.SettingsLabel) == spec.Labels[ReleaseNames.SettingsLabel])
        {
            log.Information("Proxy service {0} is in place; leaving it alone.", name);
            return;
        }

        await images.PushAsync(settings, local, repository, tag);
        if (existing is null)
        {
            await engine.CreateServiceAsync(spec, settings.Swarm.Login);
            log.Information("Created the proxy service {0} on every node, on {1}.", name, string.Join(", ", settings.Ports.Select(p => p.HostPort)));
        }
        else
        {
            // Published host ports are the node's: a new proxy task starts only once the old one let go of them.
            await engine.UpdateServiceAsync(spec, settings.Swarm.Login);
            log.Information("Updated the proxy service {0} (its image, ports or target changed); each node's proxy is down while it is replaced.", name);
        }

        await WaitRunningAsync(name, spec.Image);
    }

    private static SwarmServiceSpec Spec(DeploySettings settings, string name, string image)
    {
        var environment = new Dictionary<string, string>
        {
            [ProxyAdminApi.PortsVariable] = string.Join(',', settings.Ports.Select(p => p.ContainerPort).Distinct()),
            [ProxyAdminApi.DiscoverVariable] = $"tasks.{settings.Container}:{settings.AppPort}",
        };
        var ports = settings.Ports.Select(p => new PublishedPort("", p.HostPort, p.ContainerPort)).ToList();
        var digest = string.Join('\n', environment.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}")
            .Concat(ports.Select(p => p.ToString())).Append(image).Concat(settings.Swarm!.Placement));
        var labels = new Dictionary<string, string>
        {
            [ReleaseNames.AppLabel] = settings.AppName,
            [ReleaseNames.EnvironmentLabel] = settings.Environment,
            [ReleaseNames.RoleLabel] = "proxy",
            [ReleaseNames.CheckoutLabel] = EnvironmentOwner.CheckoutOf(settings),
            [ReleaseNames.SettingsLabel] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(digest))),
        };
        return new SwarmServiceSpec(name, image, environment, labels, settings.Container, Replicas: null, ports, Health: null,
            UpdateParallelism: 1, StartFirst: false, settings.Swarm.Placement, new Dictionary<string, string>());
    }

    /// <summary>Until every task Swarm wants running runs the image (one per eligible node).</summary>
    private async Task WaitRunningAsync(string name, string image)
    {
        var deadline = DateTimeOffset.UtcNow + ReadyTimeout;
        while (true)
        {
            var wanted = (await docker.Engine.ListServiceTasksAsync(name)).Where(t => t.DesiredState == "running").ToList();
            if (wanted.Count > 0 && wanted.All(t => t.Running && t.Image.StartsWith(image, StringComparison.Ordinal)))
            {
                log.Information("The proxy runs on {0} node(s).", wanted.Count);
                return;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                var stuck = wanted.FirstOrDefault(t => !t.Running);
                throw new ProxyException($"The proxy service {name} did not run on every node within {ReadyTimeout.TotalSeconds:N0} s"
                    + (stuck is null ? "" : $" (a task is {stuck.State}{(stuck.Error.Length > 0 ? $": {stuck.Error}" : "")})") + $"; see 'docker service ps {name}'.");
            }

            await Task.Delay(Poll);
        }
    }
}
