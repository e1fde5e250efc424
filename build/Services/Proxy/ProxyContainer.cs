using System.Diagnostics;
using System.Security.Cryptography;
using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Proxy;

/// <summary>
/// The environment's proxy container (kaha_ENV_proxy): it outlives every deploy and is reconciled to the configuration
/// at every run (published ports, proxy image, network, state folder). It publishes the environment's ports; the app
/// containers behind it publish nothing.
/// </summary>
public sealed class ProxyContainer(DockerConnector docker, LocalBaseImages baseImages, ProxyAdmin admin, AppContainers containers, ICakeLog log)
{
    /// <summary>Where the proxy keeps its admin socket and route file, inside its container.</summary>
    private const string StateMount = ProxyAdminApi.StateFolder;

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Long enough for the old proxy to finish the requests it is forwarding; the port is down meanwhile.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(2);

    public async Task EnsureRunningAsync(DeploySettings settings, ProxySettings proxy)
    {
        var engine = docker.Engine;
        await engine.EnsureNetworkAsync(settings.Network, new Dictionary<string, string> { [ReleaseNames.AppLabel] = settings.AppName });
        var existing = await RecoverAsync(proxy.Container);
        var spec = Spec(settings, proxy, await ProxyImageAsync(settings));
        var differences = existing is null ? [] : Differences(existing, spec);
        if (existing is { Running: true } && differences.Count == 0 && await admin.AnswersAsync(settings))
        {
            log.Information("Proxy {0} is running; leaving it alone.", proxy.Container);
            return;
        }

        DataHome.CreatePrivate(ProxyAdmin.StateFolder(settings));
        if (existing is { Running: true })
        {
            await ReplaceAsync(settings, existing, spec, differences.Count > 0 ? string.Join("; ", differences) : "its admin socket is gone");
            return;
        }

        // A proxy that comes up without its route file (a lost state folder) serves the live release from its first request.
        if (!File.Exists(RouteFile(settings)) && await LiveRouteAsync(settings) is { } live)
        {
            await WriteRouteAsync(settings, live);
        }

        if (existing is not null && differences.Count == 0)
        {
            log.Information("Starting the proxy {0}.", proxy.Container);
            await engine.StartContainerAsync(proxy.Container);
        }
        else
        {
            // A stopped proxy serves nothing, so one made for another configuration is simply replaced.
            await engine.RemoveContainerAsync(proxy.Container);
            await engine.CreateAndStartContainerAsync(spec);
            log.Information("Started the proxy {0} on {1}.", proxy.Container, string.Join(", ", settings.Ports));
        }

        await WaitUntilAnswersAsync(settings, proxy.Container);
    }

    /// <summary>
    /// Replaces a running proxy that no longer fits the configuration, routing where the old one did. With other host
    /// ports the new one starts before the old one goes (no outage); on the same ports the old one stops and the new one,
    /// already created, starts at once: the outage is that gap, measured and reported.
    /// </summary>
    private async Task ReplaceAsync(DeploySettings settings, ContainerInfo old, ContainerSpec spec, string reason)
    {
        var engine = docker.Engine;
        var route = await RouteOfAsync(settings, old);
        if (route is not null)
        {
            await WriteRouteAsync(settings, route);
        }

        // Unlinked, the old proxy's socket still serves it but is no longer found: what answers there from now on is the new one.
        File.Delete(ProxyAdmin.Socket(ProxyAdmin.StateFolder(settings)));
        var retired = ReleaseNames.ReplacedProxy(spec.Name);
        await engine.RenameContainerAsync(old.Name, retired);
        var samePort = old.Ports.Select(p => p.HostPort).Intersect(spec.Ports.Select(p => p.HostPort)).Any();
        var outage = Stopwatch.StartNew();
        try
        {
            if (samePort)
            {
                await engine.CreateContainerAsync(spec);
                outage.Restart();
                await engine.StopContainerAsync(retired, StopGrace);
                await engine.StartContainerAsync(spec.Name);
            }
            else
            {
                await engine.CreateAndStartContainerAsync(spec);
            }

            await WaitUntilAnswersAsync(settings, spec.Name);
        }
        catch
        {
            // The old proxy serves again rather than none at all.
            await engine.RemoveContainerAsync(spec.Name);
            await engine.RenameContainerAsync(retired, spec.Name);
            await engine.StartContainerAsync(spec.Name);
            throw;
        }

        outage.Stop();
        await engine.RemoveContainerAsync(retired);
        log.Information(
            "Recreated the proxy {0} ({1}), routing to {2}; outage: {3}.",
            spec.Name, reason, route?.Destination ?? "no release yet",
            samePort ? $"{outage.ElapsedMilliseconds} ms while the port moved" : "none, the new ports served before the old ones closed");
    }

    /// <summary>
    /// Where the old proxy routes: asked on its own admin socket; when that is gone, seen in the slot its public port
    /// answers from; else the live release.
    /// </summary>
    private async Task<UpstreamRoute?> RouteOfAsync(DeploySettings settings, ContainerInfo old)
    {
        if (old.Mounts.GetValueOrDefault(StateMount) is { } folder && await admin.AnswersAsync(folder))
        {
            return await admin.CurrentRouteAsync(folder);
        }

        return await SlotAnsweringAsync(settings, old) is { } slot ? RouteTo(settings, slot) : await LiveRouteAsync(settings);
    }

    private async Task<UpstreamRoute?> LiveRouteAsync(DeploySettings settings) =>
        (await containers.LiveAsync(settings))?.Labels.GetValueOrDefault(ReleaseNames.SlotLabel) is { } slot ? RouteTo(settings, slot) : null;

    private static UpstreamRoute RouteTo(DeploySettings settings, string slot) =>
        new(new Candidate(settings.Container, slot, true).Destination(settings), slot);

    private static async Task<string?> SlotAnsweringAsync(DeploySettings settings, ContainerInfo old)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        foreach (var port in old.Ports)
        {
            try
            {
                var host = port.HostIp is "" or "0.0.0.0" ? "127.0.0.1" : port.HostIp;
                using var response = await client.GetAsync(new Uri($"http://{host}:{port.HostPort}{settings.HealthPath}"));
                if (response.Headers.TryGetValues("X-Kaha-Slot", out var slots) && slots.FirstOrDefault() is { Length: > 0 } slot)
                {
                    return slot;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // The next port, or the live release.
            }
        }

        return null;
    }

    private static string RouteFile(DeploySettings settings) => Path.Combine(ProxyAdmin.StateFolder(settings), ProxyAdminApi.RouteFileName);

    /// <summary>The proxy reads its route from this file when it starts, so it serves from its first request.</summary>
    private static async Task WriteRouteAsync(DeploySettings settings, UpstreamRoute route)
    {
        var file = RouteFile(settings);
        await File.WriteAllTextAsync(file + ".tmp", System.Text.Json.JsonSerializer.Serialize(route));
        File.Move(file + ".tmp", file, overwrite: true);
    }

    /// <summary>
    /// The proxy, after a run killed inside <see cref="ReplaceAsync"/>: the old one renamed back when no new one was
    /// made or it never started; a leftover old one removed once the new one runs.
    /// </summary>
    private async Task<ContainerInfo?> RecoverAsync(string name)
    {
        var engine = docker.Engine;
        var retired = await engine.InspectContainerAsync(ReleaseNames.ReplacedProxy(name));
        var current = await engine.InspectContainerAsync(name);
        if (retired is null)
        {
            return current;
        }

        if (current is { Running: true })
        {
            await engine.RemoveContainerAsync(retired.Name);
            return current;
        }

        await engine.RemoveContainerAsync(name);
        await engine.RenameContainerAsync(retired.Name, name);
        return await engine.InspectContainerAsync(name);
    }

    private static List<string> Differences(ContainerInfo existing, ContainerSpec spec)
    {
        var differences = new List<string>();
        var ports = existing.Ports.Select(p => p.ToString()).Order(StringComparer.Ordinal).ToList();
        var wanted = spec.Ports.Select(p => p.ToString()).Order(StringComparer.Ordinal).ToList();
        if (!ports.SequenceEqual(wanted))
        {
            differences.Add($"published ports {string.Join(", ", ports)} -> {string.Join(", ", wanted)}");
        }

        if (existing.ImageReference != spec.Image)
        {
            differences.Add($"image {existing.ImageReference} -> {spec.Image}");
        }

        if (!existing.Networks.Contains(spec.Network!))
        {
            differences.Add($"network {string.Join(", ", existing.Networks)} -> {spec.Network}");
        }

        if (existing.Mounts.GetValueOrDefault(StateMount) != spec.Binds[0].Split(':')[0])
        {
            differences.Add($"state folder {existing.Mounts.GetValueOrDefault(StateMount) ?? "none"} -> {spec.Binds[0].Split(':')[0]}");
        }

        return differences;
    }

    private static ContainerSpec Spec(DeploySettings settings, ProxySettings proxy, string image) => new(
        proxy.Container,
        image,
        new Dictionary<string, string>
        {
            [ProxyAdminApi.PortsVariable] = string.Join(',', settings.Ports.Select(p => p.ContainerPort).Distinct()),
            [ProxyAdminApi.StateVariable] = StateMount,
        },
        settings.Ports.Select(p => new PublishedPort(p.HostIp, p.HostPort, p.ContainerPort)).ToList(),
        [$"{ProxyAdmin.StateFolder(settings)}:{StateMount}"],
        settings.Network,
        [],
        new Dictionary<string, string>
        {
            [ReleaseNames.AppLabel] = settings.AppName,
            [ReleaseNames.EnvironmentLabel] = settings.Environment,
            [ReleaseNames.RoleLabel] = "proxy",
            [ReleaseNames.CheckoutLabel] = EnvironmentOwner.CheckoutOf(settings),
        },
        "always",
        null);

    private async Task WaitUntilAnswersAsync(DeploySettings settings, string container)
    {
        var deadline = DateTimeOffset.UtcNow + ReadyTimeout;
        while (!await admin.AnswersAsync(settings))
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new ProxyException($"The proxy {container} did not answer on its admin socket within {ReadyTimeout.TotalSeconds:N0} s; see 'docker logs {container}'.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>kaha-local/proxy:HASH, built FROM this host's ASP.NET Core runtime with the proxy the tool was built with.</summary>
    public async Task<string> ProxyImageAsync(DeploySettings settings)
    {
        var published = Path.Combine(AppContext.BaseDirectory, "proxy");
        var files = Directory.EnumerateFiles(published, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        if (!files.Any(f => f.EndsWith("kaha-proxy.dll", StringComparison.Ordinal)))
        {
            throw new ProxyException($"The proxy was not built with the tool ({published} has no kaha-proxy.dll); rebuild with ./build.sh.");
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetRelativePath(published, file)));
            hash.AppendData(await File.ReadAllBytesAsync(file));
        }

        var runtime = await baseImages.EnsureAspNetRuntimeAsync(settings.WorkFolder);
        var tag = $"{LocalBaseImages.LocalRepositoryPrefix}proxy:{Convert.ToHexString(hash.GetHashAndReset())[..12].ToLowerInvariant()}";
        if (await docker.Engine.ImageExistsAsync(tag))
        {
            return tag;
        }

        log.Information("Building the proxy image {0}.", tag);
        var built = await docker.Engine.BuildImageFromFilesAsync(
            files.Select(f => new TarEntrySpec("app/" + Path.GetRelativePath(published, f), f, null, null)).ToList(),
            $"FROM {runtime}\nCOPY app/ /app/\nWORKDIR /app\nCMD [\"dotnet\", \"/app/kaha-proxy.dll\"]\n",
            [tag],
            new Dictionary<string, string> { [ReleaseNames.ProxyImageLabel] = "true" },
            line => log.Verbose(line),
            CancellationToken.None);

        // Each version of the tool builds its own proxy image; those of earlier versions go once no proxy runs them.
        var removed = await docker.Engine.RemoveUnusedImagesAsync($"{ReleaseNames.ProxyImageLabel}=true", danglingOnly: false, keepId: built);
        if (removed > 0)
        {
            log.Information("Removed {0} proxy image(s) of earlier versions of the tool that no container uses.", removed);
        }

        return tag;
    }
}
