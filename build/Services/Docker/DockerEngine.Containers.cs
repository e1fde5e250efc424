using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace KahaDeploy.Services.Docker;

public sealed partial class DockerEngine
{
    /// <summary>The container with that name (or id), or null when there is none.</summary>
    public Task<ContainerInfo?> InspectContainerAsync(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return CallAsync($"inspect container '{name}'", () => InspectOrNullAsync(name));
    }

    /// <summary>The containers, in every state, that carry the label (<c>key=value</c> or just <c>key</c>), by name.</summary>
    public Task<IReadOnlyList<ContainerInfo>> ListContainersAsync(string labelFilter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(labelFilter);
        return CallAsync<IReadOnlyList<ContainerInfo>>("list containers", async () =>
        {
            var listed = await _client.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = Filter(("label", labelFilter)),
            }).ConfigureAwait(false);

            // Inspected for the details the list leaves out (start time, networks, configured ports), all at once: one
            // round trip to the engine instead of one per retained release. A container removed in between is not listed.
            var inspected = await Task.WhenAll(listed.Select(container => InspectOrNullAsync(container.ID))).ConfigureAwait(false);
            return inspected.OfType<ContainerInfo>().OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        });
    }

    public Task RenameContainerAsync(string name, string newName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(newName);
        return CallAsync($"rename container '{name}' to '{newName}'", () =>
            _client.Containers.RenameContainerAsync(name, new ContainerRenameParameters { NewName = newName }));
    }

    /// <summary>Sets the container's CPU weight against the other containers (the engine's default is 1024); it takes effect at once.</summary>
    public Task SetCpuSharesAsync(string name, int shares)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(shares, 2);
        return CallAsync($"set the CPU weight of container '{name}'", () =>
            _client.Containers.UpdateContainerAsync(name, new ContainerUpdateParameters { CPUShares = shares }));
    }

    /// <summary>
    /// Sets what the engine does with the container when it exits or the engine starts (<paramref name="policy"/> as in
    /// <see cref="ContainerSpec.RestartPolicy"/>); works on a stopped container too.
    /// </summary>
    public Task SetRestartPolicyAsync(string name, string policy)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var restart = EngineMapping.ParseRestartPolicy(policy);
        return CallAsync($"set the restart policy of container '{name}'", () =>
            _client.Containers.UpdateContainerAsync(name, new ContainerUpdateParameters { RestartPolicy = restart }));
    }

    /// <summary>Starts the container; nothing happens when it is already running.</summary>
    public Task StartContainerAsync(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return CallAsync($"start container '{name}'", () =>
            _client.Containers.StartContainerAsync(name, new ContainerStartParameters()));
    }

    /// <summary>Stops the container (SIGTERM, then SIGKILL after <paramref name="grace"/>); nothing happens when it is already stopped.</summary>
    public Task StopContainerAsync(string name, TimeSpan grace)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var seconds = (uint)Math.Clamp(Math.Ceiling(grace.TotalSeconds), 0, int.MaxValue);
        return CallAsync($"stop container '{name}'", () =>
            _client.Containers.StopContainerAsync(name, new ContainerStopParameters { WaitBeforeKillSeconds = seconds }));
    }

    /// <summary>Removes the container, running or not; its volumes are kept. No error when it does not exist.</summary>
    public Task RemoveContainerAsync(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return CallAsync($"remove container '{name}'", async () =>
        {
            try
            {
                await _client.Containers.RemoveContainerAsync(name, new ContainerRemoveParameters { Force = true, RemoveVolumes = false }).ConfigureAwait(false);
            }
            catch (DockerContainerNotFoundException)
            {
            }
        });
    }

    /// <summary>
    /// Creates the container and starts it; returns its id. When it cannot start (a port already taken, ...)
    /// the half-made container is removed again so that the name stays free.
    /// </summary>
    public async Task<string> CreateAndStartContainerAsync(ContainerSpec spec)
    {
        var id = await CreateContainerAsync(spec).ConfigureAwait(false);
        try
        {
            await _client.Containers.StartContainerAsync(id, new ContainerStartParameters()).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DockerApiException || IsTransportFailure(e))
        {
            try
            {
                await _client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }).ConfigureAwait(false);
            }
            catch (Exception cleanup) when (cleanup is DockerApiException || IsTransportFailure(cleanup))
            {
                // The start error is the one worth reporting.
            }

            var reason = e is DockerApiException api ? EngineMessage(api) : TransportMessage(e);
            throw new DockerEngineException($"Docker could not start container '{spec.Name}': {reason}", e);
        }

        return id;
    }

    /// <summary>
    /// Replaces the stopped container <paramref name="name"/> by one made from the same configuration (image, command,
    /// environment, labels, mounts, restart policy, network and aliases) but publishing <paramref name="ports"/>: the
    /// engine cannot change a container's published ports. The new one is created, not started.
    /// </summary>
    public Task RepublishContainerAsync(string name, IReadOnlyList<PublishedPort> ports)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return CallAsync($"republish container '{name}'", async () =>
        {
            var old = await _client.Containers.InspectContainerAsync(name).ConfigureAwait(false);
            // The engine describes every container with both; the client's types merely allow them to be missing.
            if (old is not { Config: { } config, HostConfig: { } hostConfig })
            {
                throw new DockerEngineException($"Docker could not republish container '{name}': the engine did not describe its configuration");
            }

            var published = EngineMapping.ToCreateParameters(new ContainerSpec(name, config.Image, new Dictionary<string, string>(), ports, [], null, [], new Dictionary<string, string>(), "no", null));
            hostConfig.PortBindings = published.HostConfig!.PortBindings; // ToCreateParameters always makes a HostConfig
            var parameters = new CreateContainerParameters(config)
            {
                Name = name,
                Hostname = "", // the old one's was its own id
                ExposedPorts = published.ExposedPorts,
                HostConfig = hostConfig,
            };
            if (old.NetworkSettings?.Networks is { Count: > 0 } networks && networks.ContainsKey(hostConfig.NetworkMode))
            {
                var endpoint = networks[hostConfig.NetworkMode];
                parameters.NetworkingConfig = new NetworkingConfig
                {
                    EndpointsConfig = new Dictionary<string, EndpointSettings>
                    {
                        [hostConfig.NetworkMode] = new() { Aliases = (endpoint.Aliases ?? []).Where(a => !old.ID.StartsWith(a, StringComparison.Ordinal)).ToList() },
                    },
                };
            }

            var parked = name + "_republishing";
            await _client.Containers.RenameContainerAsync(old.ID, new ContainerRenameParameters { NewName = parked }).ConfigureAwait(false);
            try
            {
                await _client.Containers.CreateContainerAsync(parameters).ConfigureAwait(false);
            }
            catch
            {
                await _client.Containers.RenameContainerAsync(old.ID, new ContainerRenameParameters { NewName = name }).ConfigureAwait(false);
                throw;
            }

            await _client.Containers.RemoveContainerAsync(old.ID, new ContainerRemoveParameters { Force = true }).ConfigureAwait(false);
        });
    }

    /// <summary>
    /// Creates the container without starting it (its ports are not bound yet), so that it can be started the moment
    /// another one frees them; returns its id.
    /// </summary>
    public async Task<string> CreateContainerAsync(ContainerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrWhiteSpace(spec.Name);
        ArgumentException.ThrowIfNullOrWhiteSpace(spec.Image);
        var parameters = EngineMapping.ToCreateParameters(spec);

        var created = await CallAsync($"create container '{spec.Name}'", async () =>
        {
            try
            {
                return await _client.Containers.CreateContainerAsync(parameters).ConfigureAwait(false);
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
            {
                throw new DockerEngineException(
                    $"Docker could not create container '{spec.Name}': a container named '{spec.Name}' already exists (remove or rename it first)", e);
            }
        }).ConfigureAwait(false);
        return created.ID;
    }

    private async Task<ContainerInfo?> InspectOrNullAsync(string nameOrId)
    {
        try
        {
            var response = await _client.Containers.InspectContainerAsync(nameOrId).ConfigureAwait(false);
            return EngineMapping.ToInfo(response);
        }
        catch (DockerContainerNotFoundException)
        {
            return null;
        }
    }
}
