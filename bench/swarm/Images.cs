using KahaDeploy.Tests.Support;

namespace SwarmBench;

/// <summary>
/// The images the rows measured by hand run, built once on the manager and pushed to the swarm's registry (the nodes
/// reach no registry but ours): the small app of bench/swarm/app in two versions, and the project's proxy image built as
/// the tool builds it. Their base images come from this machine's engine (the ones the tool builds for the sample).
/// </summary>
public sealed class Images(TwoNodeSwarm swarm, SwarmDocker docker)
{
    /// <summary>An HTTP GET of /version from inside the task (the node image has busybox's sh, so CMD-SHELL works).</summary>
    public const string HealthCommand =
        "node -e \"require('http').get('http://127.0.0.1:3000/version', r => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))\"";

    private Task? _app;
    private Task<string>? _proxy;

    public string V1 => $"{swarm.Registry}/swb-app:v1";

    public string V2 => $"{swarm.Registry}/swb-app:v2";

    public Task AppAsync(CancellationToken cancel) => _app ??= BuildAppAsync(cancel);

    public Task<string> ProxyAsync(CancellationToken cancel) => _proxy ??= BuildProxyAsync(cancel);

    private async Task BuildAppAsync(CancellationToken cancel)
    {
        var nodeImage = await LoadIntoManagerAsync("NODE_IMAGE", "kaha-local/node", cancel);
        var context = Path.Combine(Repo.Root, "bench", "swarm", "app");
        foreach (var (version, tag) in new[] { ("v1", V1), ("v2", V2) })
        {
            await docker.OnManagerAsync(cancel, "build", "-q", "--build-arg", $"NODE_IMAGE={nodeImage}", "--build-arg", $"APP_VERSION={version}", "-t", tag, context);
            await docker.OnManagerAsync(cancel, "push", "-q", tag);
        }
    }

    /// <summary>What ProxyContainer builds: the proxy the tool was published with, FROM this host's ASP.NET Core runtime.</summary>
    private async Task<string> BuildProxyAsync(CancellationToken cancel)
    {
        var published = Path.Combine(Repo.Root, "build", "bin", "tool", "proxy");
        if (!File.Exists(Path.Combine(published, "kaha-proxy.dll")))
        {
            throw new InvalidOperationException($"{published} has no kaha-proxy.dll: build the tool first (./build.sh --tree)");
        }

        var runtime = await LoadIntoManagerAsync("ASPNET_IMAGE", "kaha-local/aspnet", cancel);
        var context = Path.Combine(swarm.Root, "proxy-image");
        CopyFolder(published, Path.Combine(context, "app"));
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"),
            $"FROM {runtime}\nCOPY app/ /app/\nWORKDIR /app\nCMD [\"dotnet\", \"/app/kaha-proxy.dll\"]\n", cancel);
        var tag = $"{swarm.Registry}/swb-proxy:bench";
        await docker.OnManagerAsync(cancel, "build", "-q", "-t", tag, context);
        await docker.OnManagerAsync(cancel, "push", "-q", tag);
        return tag;
    }

    /// <summary>A base image of this machine's engine (VARIABLE names one, else the first of REPOSITORY), loaded into the manager.</summary>
    private async Task<string> LoadIntoManagerAsync(string variable, string repository, CancellationToken cancel)
    {
        var image = Environment.GetEnvironmentVariable(variable) is { Length: > 0 } named
            ? named
            : (await Command.RunAsync(cancel, "docker", "images", repository, "--format", "{{.Repository}}:{{.Tag}}")).Split('\n')[0].Trim();
        if (image.Length == 0)
        {
            throw new InvalidOperationException($"no {repository} image on this machine's engine: deploy the sample once (the tool builds it), or set {variable}");
        }

        await Command.RunAsync(cancel, "sh", "-c", $"docker save '{image}' | docker -H '{swarm.Manager.DockerHost}' load -q");
        return image;
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
