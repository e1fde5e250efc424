using KahaDeploy.Tests.Support;

namespace SwarmBench;

/// <summary>
/// Row (p), plain Swarm without the tool: a global service of the small node app (<see cref="Images"/>) publishing its own port
/// in host mode on every node, updated with <c>docker service update --image</c>. Host mode leaves Swarm no choice but
/// stop-first (a start-first task never starts while the old one holds the port: docs/ARCHITECTURE.md, Swarm mode).
/// </summary>
public static class PlainSwarm
{
    public const int Port = 8080;
    private const string Service = "swb_plain";

    public static async Task<RowResult> MeasureAsync(TwoNodeSwarm swarm, SwarmDocker docker, Settings settings, Images images, CancellationToken cancel)
    {
        var command = $"docker service update --with-registry-auth --image REGISTRY/swb-app:v2 {Service}";
        await images.AppAsync(cancel);
        await docker.OnManagerAsync(cancel, "service", "create", "--with-registry-auth", "--detach=false", "--quiet",
            "--name", Service, "--mode", "global", "--publish", $"mode=host,target=3000,published={Port}", images.V1);
        try
        {
            var runner = new RowRunner(swarm.Nodes.Select(n => (n.Name, new Uri($"http://{n.Address}:{Port}/version"))).ToList(), settings);
            return await runner.MeasureAsync("p", "(p) plain Swarm, host-mode port, stop-first", command, "v2", async token =>
            {
                await docker.OnManagerAsync(token, "service", "update", "--with-registry-auth", "--detach=false", "--quiet", "--image", images.V2, Service);
                return null;
            }, cancel);
        }
        finally
        {
            // Frees the port on both nodes for the next rows.
            await docker.OnManagerAsync(CancellationToken.None, "service", "rm", Service);
        }
    }
}
