using System.Security.Cryptography;
using Cake.Core.Diagnostics;
using KahaDeploy.Configuration;

namespace KahaDeploy.Services;

/// <summary>
/// The environment's proxy container (kaha_ENV_proxy): created when missing, otherwise left alone, so it outlives
/// every deploy. It publishes the environment's ports; the app containers behind it publish nothing.
/// </summary>
public sealed class ProxyContainer(DockerConnector docker, LocalBaseImages baseImages, ProxyAdmin admin, ICakeLog log)
{
    private const string ProxyImageLabel = "org.kaha.proxy";

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(20);

    public async Task EnsureRunningAsync(DeploySettings settings, ProxySettings proxy)
    {
        var engine = docker.Engine;
        await engine.EnsureNetworkAsync(settings.Network, new Dictionary<string, string> { [AppContainers.AppLabel] = settings.AppName });
        var existing = await engine.InspectContainerAsync(proxy.Container);
        if (existing is { Running: true } && await admin.AnswersAsync(settings))
        {
            log.Information("Proxy {0} is running; leaving it alone.", proxy.Container);
            return;
        }

        if (existing is not null)
        {
            log.Information("Starting the proxy {0}.", proxy.Container);
            await engine.StartContainerAsync(proxy.Container);
        }
        else
        {
            var image = await ProxyImageAsync(settings);
            var state = ProxyAdmin.StateFolder(settings);
            Directory.CreateDirectory(state);
            await engine.CreateAndStartContainerAsync(new ContainerSpec(
                proxy.Container,
                image,
                new Dictionary<string, string>
                {
                    ["KAHA_PROXY_PORTS"] = string.Join(',', settings.Ports.Select(p => p.ContainerPort).Distinct()),
                    ["KAHA_PROXY_STATE"] = "/run/kaha-proxy",
                },
                settings.Ports.Select(p => new PublishedPort(p.HostIp, p.HostPort, p.ContainerPort)).ToList(),
                [$"{state}:/run/kaha-proxy"],
                settings.Network,
                [],
                new Dictionary<string, string>
                {
                    [AppContainers.AppLabel] = settings.AppName,
                    [AppContainers.EnvironmentLabel] = settings.Environment,
                    [AppContainers.RoleLabel] = "proxy",
                },
                "always",
                null));
            log.Information("Started the proxy {0} on {1}.", proxy.Container, string.Join(", ", settings.Ports));
        }

        var deadline = DateTimeOffset.UtcNow + ReadyTimeout;
        while (!await admin.AnswersAsync(settings))
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new ProxyException($"The proxy {proxy.Container} did not answer on its admin socket within {ReadyTimeout.TotalSeconds:N0} s; see 'docker logs {proxy.Container}'.");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>kaha-local/proxy:HASH, built FROM this host's ASP.NET Core runtime with the proxy the tool was built with.</summary>
    private async Task<string> ProxyImageAsync(DeploySettings settings)
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
            new Dictionary<string, string> { [ProxyImageLabel] = "true" },
            line => log.Verbose(line),
            CancellationToken.None);

        // Each version of the tool builds its own proxy image; those of earlier versions go once no proxy runs them.
        var removed = await docker.Engine.RemoveUnusedImagesAsync($"{ProxyImageLabel}=true", danglingOnly: false, keepId: built);
        if (removed > 0)
        {
            log.Information("Removed {0} proxy image(s) of earlier versions of the tool that no container uses.", removed);
        }

        return tag;
    }
}
