using System.Globalization;
using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace KahaDeploy.Services.Docker;

public sealed partial class DockerEngine
{
    /// <summary>The service with that name (or id), or null when there is none.</summary>
    public Task<SwarmServiceInfo?> InspectServiceAsync(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return CallAsync($"inspect service '{name}'", () => InspectServiceOrNullAsync(name));
    }

    /// <summary>
    /// Creates the service and returns its id. The registry's login goes along (X-Registry-Auth), so that every node can
    /// pull the image: a node pulls from a registry with a login only with the credentials sent here.
    /// </summary>
    public Task<string> CreateServiceAsync(SwarmServiceSpec spec, RegistryLogin? login)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return CallAsync<string>($"create service '{spec.Name}'", async () =>
        {
            var created = await _client.Swarm.CreateServiceAsync(new ServiceCreateParameters
            {
                Service = EngineMapping.ToServiceSpec(spec),
                RegistryAuth = RegistryAuth(spec.Image, login),
            }).ConfigureAwait(false);
            return created.ID ?? throw new DockerEngineException($"Docker created service '{spec.Name}' but did not say its id");
        });
    }

    /// <summary>
    /// Replaces the service's spec by <paramref name="spec"/>; Swarm then rolls its tasks over as the spec's update config says
    /// (and back, when they fail). Returns the service as it is right after the change. An unchanged spec changes no task.
    /// </summary>
    public Task<SwarmServiceInfo> UpdateServiceAsync(SwarmServiceSpec spec, RegistryLogin? login)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return CallAsync($"update service '{spec.Name}'", async () =>
        {
            var current = await _client.Swarm.InspectServiceAsync(spec.Name).ConfigureAwait(false);
            await _client.Swarm.UpdateServiceAsync(current.ID, new ServiceUpdateParameters
            {
                Service = EngineMapping.ToServiceSpec(spec),
                Version = (long)(current.Version?.Index ?? 0),
                RegistryAuth = RegistryAuth(spec.Image, login),
            }).ConfigureAwait(false);
            return EngineMapping.ToServiceInfo(await _client.Swarm.InspectServiceAsync(current.ID).ConfigureAwait(false));
        });
    }

    /// <summary>
    /// Puts the service's previous spec back (as <c>docker service rollback</c>) when it still runs <paramref name="fromImage"/>
    /// and Swarm is not rolling it back already: its tasks roll over with the rollback config. Returns the spec put back, for
    /// <see cref="RestoreServiceAsync"/>; null when nothing was changed.
    /// </summary>
    public Task<SwarmSpecSnapshot?> RollbackServiceAsync(string name, string fromImage, RegistryLogin? login)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return CallAsync($"roll back service '{name}'", async () =>
        {
            var current = await _client.Swarm.InspectServiceAsync(name).ConfigureAwait(false);
            if (current is not { Spec: { } spec, PreviousSpec: { } previous })
            {
                throw new DockerEngineException($"Docker could not roll back service '{name}': it has no previous spec (it was never updated)");
            }

            // Swarm swaps spec and previous spec when it rolls back by itself: rolling back again would roll the failed
            // release forward. Only a service that still runs fromImage goes back; the version index makes the engine
            // refuse the update when Swarm changed the service since this look.
            if (current.UpdateStatus?.State is "rollback_started" or "rollback_completed" or "rollback_paused"
                || !RunsImage(spec, fromImage))
            {
                return null;
            }

            return await ReplaceSpecAsync(current, spec, rollback: true, ImageOf(previous), login).ConfigureAwait(false)
                ? new SwarmSpecSnapshot(previous)
                : null;
        });
    }

    /// <summary>
    /// Sets the service's spec to <paramref name="snapshot"/> (a plain update) when it runs <paramref name="fromImage"/> again.
    /// For after <see cref="RollbackServiceAsync"/>: Swarm's own rollback of the same update, decided before it saw that one,
    /// puts the failed spec back. False when nothing was changed (the service changed meanwhile: look again).
    /// </summary>
    public Task<bool> RestoreServiceAsync(string name, string fromImage, SwarmSpecSnapshot snapshot, RegistryLogin? login)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(snapshot);
        return CallAsync($"restore service '{name}'", async () =>
        {
            var current = await _client.Swarm.InspectServiceAsync(name).ConfigureAwait(false);
            return current.Spec is { } spec && RunsImage(spec, fromImage)
                && await ReplaceSpecAsync(current, snapshot.Spec, rollback: false, ImageOf(snapshot.Spec), login).ConfigureAwait(false);
        });
    }

    private static string ImageOf(ServiceSpec spec) => spec.TaskTemplate?.ContainerSpec?.Image ?? "";

    private static bool RunsImage(ServiceSpec spec, string image) => PinnedImage.Same(ImageOf(spec), image);

    /// <summary>
    /// Sends <paramref name="spec"/> (with <paramref name="rollback"/>, the engine puts the previous spec back instead), with
    /// the login for the image the tasks will pull. False when the engine refused it because the service changed since
    /// <paramref name="current"/> was read.
    /// </summary>
    private async Task<bool> ReplaceSpecAsync(SwarmService current, ServiceSpec spec, bool rollback, string pulledImage, RegistryLogin? login)
    {
        try
        {
            await _client.Swarm.UpdateServiceAsync(current.ID, new ServiceUpdateParameters
            {
                Service = spec,
                Version = (long)(current.Version?.Index ?? 0),
                Rollback = rollback ? "previous" : null!,
                RegistryAuth = RegistryAuth(pulledImage, login),
            }).ConfigureAwait(false);
            return true;
        }
        catch (DockerApiException e) when (e.Message.Contains("out of sequence", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
    }

    /// <summary>Removes the service (its tasks stop on every node); no error when it does not exist.</summary>
    public Task RemoveServiceAsync(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return CallAsync($"remove service '{name}'", async () =>
        {
            try
            {
                await _client.Swarm.RemoveServiceAsync(name).ConfigureAwait(false);
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
            }
        });
    }

    /// <summary>
    /// The last <paramref name="tail"/> lines each of the service's tasks wrote (on any node), stdout and stderr, as the
    /// manager gathers them.
    /// </summary>
    public Task<IReadOnlyList<ContainerLogLine>> GetServiceLogsAsync(string name, int tail)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return CallAsync<IReadOnlyList<ContainerLogLine>>($"read the logs of service '{name}'", async () =>
        {
            var lines = new List<ContainerLogLine>();
            using var stream = await _client.Swarm.GetServiceLogsAsync(name, false, new ServiceLogsParameters
            {
                ShowStdout = true,
                ShowStderr = true,
                Timestamps = true,
                Tail = tail < 0 ? "all" : tail.ToString(CultureInfo.InvariantCulture),
            }).ConfigureAwait(false);
            await ReadLinesAsync(stream, lines.Add).ConfigureAwait(false);
            return lines;
        });
    }

    /// <summary>Creates an attachable overlay network with that name unless one exists (the manager's, seen by every node).</summary>
    public Task EnsureOverlayNetworkAsync(string name, IReadOnlyDictionary<string, string> labels) =>
        EnsureNetworkAsync(name, labels, overlay: true);

    private async Task<SwarmServiceInfo?> InspectServiceOrNullAsync(string name)
    {
        try
        {
            return EngineMapping.ToServiceInfo(await _client.Swarm.InspectServiceAsync(name).ConfigureAwait(false));
        }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>The login for the registry the image reference starts with; an empty one when it asks for none.</summary>
    private static AuthConfig RegistryAuth(string image, RegistryLogin? login)
    {
        if (login is null)
        {
            return new AuthConfig();
        }

        var slash = image.IndexOf('/', StringComparison.Ordinal);
        return new AuthConfig { Username = login.User, Password = login.Password, ServerAddress = slash < 0 ? image : image[..slash] };
    }
}
