using System.Text.RegularExpressions;

namespace KahaDeploy.Configuration;

/// <summary>The swarm section (issue 15): an environment whose app runs as a Swarm service, its images through a registry.</summary>
public sealed partial class ConfigLoader
{
    // Swarm's own syntax: an attribute of the node or its engine, == or !=, a value.
    [GeneratedRegex(@"^(node|engine)\.[A-Za-z0-9_.-]+ *(==|!=) *[^ =!].*\z")]
    private static partial Regex PlacementConstraint();

    /// <summary>The environment's swarm settings; null when it has no swarm section.</summary>
    private static SwarmSettings? ParseSwarm(EnvironmentConfig env, IReadOnlyList<PortMapping> ports, SecretStore secrets, string at)
    {
        if (env.Swarm is not { } swarm)
        {
            return null;
        }

        Require(!swarm.Registry.Contains("://", StringComparison.Ordinal),
            $"{at}.swarm.registry \"{swarm.Registry}\" has a scheme; write HOST[:PORT] without it, e.g. \"registry.internal:5000\" (the engine uses https, or http for a registry it is told is insecure).");
        Require(ImageReference.IsRegistry(swarm.Registry),
            $"{at}.swarm.registry \"{swarm.Registry}\" is not a registry address; write HOST[:PORT] in lower case, e.g. \"registry.internal:5000\".");
        Require(swarm.Replicas is >= 1 and <= 100, $"{at}.swarm.replicas {swarm.Replicas} is out of range; use 1 to 100 (copies of the app across the nodes).");
        Require(swarm.UpdateParallelism >= 1 && swarm.UpdateParallelism <= swarm.Replicas,
            $"{at}.swarm.updateParallelism {swarm.UpdateParallelism} is out of range; use 1 to replicas ({swarm.Replicas}): how many copies an update replaces at a time.");
        for (var i = 0; i < swarm.Placement.Count; i++)
        {
            Require(PlacementConstraint().IsMatch(swarm.Placement[i]),
                $"{at}.swarm.placement[{i}] \"{swarm.Placement[i]}\" is not a placement constraint; write node.ATTRIBUTE==VALUE (or !=), e.g. \"node.labels.app==true\".");
        }

        // A swarm publishes a port on every node's addresses (Swarm's port config has no host address to bind).
        var bound = ports.Select((port, i) => (port, i)).FirstOrDefault(p => p.port.HostIp is not ("0.0.0.0" or ""));
        Require(bound.port is null,
            $"{at}.ports[{bound.i}] \"{bound.port}\" binds an address, which a swarm cannot: it publishes the port on every node; write \"{bound.port?.HostPort}:{bound.port?.ContainerPort}\" and keep the nodes' firewall in charge of who reaches it.");
        Require(!env.MountSource,
            $"{at}.mountSource mounts this server's checkout, which the swarm's other nodes do not have; remove it (the image carries the code).");
        Require(env.Proxy?.Enabled != true,
            $"{at}.proxy.enabled: a swarm environment does not use the single-server proxy container; remove proxy.enabled.");

        return new SwarmSettings(swarm.Replicas, swarm.Registry, ParseRegistryLogin(swarm, secrets, $"{at}.swarm"), swarm.UpdateParallelism, swarm.Placement);
    }

    private static RegistryLogin? ParseRegistryLogin(SwarmConfig swarm, SecretStore secrets, string at)
    {
        Require((swarm.RegistryUser is null) == (swarm.RegistryPassword is null),
            $"{at}: set both registryUser and registryPassword, or neither for a registry that asks for no login.");
        if (swarm.RegistryPassword is null)
        {
            return null;
        }

        Require(SecretStore.NamesSecret(swarm.RegistryPassword),
            $"{at}.registryPassword is written out in the config file; put it in a secret and write \"${{REGISTRY_PASSWORD}}\" (set in the environment or the secrets file).");
        var user = secrets.Resolve(swarm.RegistryUser!, $"{at}.registryUser");
        var password = secrets.Resolve(swarm.RegistryPassword, $"{at}.registryPassword");
        Require(!secrets.CanCheckValues || user.Length > 0 && password.Length > 0, $"{at}: registryUser or registryPassword is empty; set both secrets.");
        return new RegistryLogin(user, password);
    }
}
