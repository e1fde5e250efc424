using KahaDeploy.Tests.Support;

namespace SwarmBench;

/// <summary>
/// Row (p), plain Swarm without the tool: a global service of a small node app (bench/swarm/app) publishing its own port
/// in host mode on every node, updated with <c>docker service update --image</c>. Host mode leaves Swarm no choice but
/// stop-first (a start-first task never starts while the old one holds the port: SWARM-NOTES.md).
/// </summary>
public static class PlainSwarm
{
    public const int Port = 8080;
    private const string Service = "swb_plain";

    public static async Task<RowResult> MeasureAsync(TwoNodeSwarm swarm, SwarmDocker docker, Settings settings, CancellationToken cancel)
    {
        var v1 = $"{swarm.Registry}/swb-app:v1";
        var v2 = $"{swarm.Registry}/swb-app:v2";
        var command = $"docker service update --with-registry-auth --image REGISTRY/swb-app:v2 {Service}";
        await BuildAppAsync(swarm, docker, cancel, ("v1", v1), ("v2", v2));
        await docker.OnManagerAsync(cancel, "service", "create", "--with-registry-auth", "--detach=false", "--quiet",
            "--name", Service, "--mode", "global", "--publish", $"mode=host,target=3000,published={Port}", v1);
        try
        {
            var runner = new RowRunner(swarm.Nodes.Select(n => (n.Name, new Uri($"http://{n.Address}:{Port}/version"))).ToList(), settings);
            return await runner.MeasureAsync("p", "(p) plain Swarm, host-mode port, stop-first", command, "v2", async token =>
            {
                await docker.OnManagerAsync(token, "service", "update", "--with-registry-auth", "--detach=false", "--quiet", "--image", v2, Service);
                return null;
            }, cancel);
        }
        finally
        {
            // Frees the port on both nodes for the next rows.
            await docker.OnManagerAsync(CancellationToken.None, "service", "rm", Service);
        }
    }

    /// <summary>
    /// Builds the plain app's versions on the manager, FROM the node image the host engine has (the one the tool builds for
    /// the sample; loaded into the manager, which reaches no registry but ours), and pushes them to the swarm's registry.
    /// </summary>
    private static async Task BuildAppAsync(TwoNodeSwarm swarm, SwarmDocker docker, CancellationToken cancel, params (string Version, string Tag)[] versions)
    {
        var nodeImage = Environment.GetEnvironmentVariable("NODE_IMAGE") is { Length: > 0 } named
            ? named
            : (await Command.RunAsync(cancel, "docker", "images", "kaha-local/node", "--format", "{{.Repository}}:{{.Tag}}")).Split('\n')[0].Trim();
        if (nodeImage.Length == 0)
        {
            throw new InvalidOperationException("no kaha-local/node image on this machine's engine: deploy the sample once (the tool builds it), or set NODE_IMAGE");
        }

        await Command.RunAsync(cancel, "sh", "-c", $"docker save '{nodeImage}' | docker -H '{swarm.Manager.DockerHost}' load -q");
        var context = Path.Combine(Repo.Root, "bench", "swarm", "app");
        foreach (var (version, tag) in versions)
        {
            await docker.OnManagerAsync(cancel, "build", "-q", "--build-arg", $"NODE_IMAGE={nodeImage}", "--build-arg", $"APP_VERSION={version}", "-t", tag, context);
            await docker.OnManagerAsync(cancel, "push", "-q", tag);
        }
    }
}
