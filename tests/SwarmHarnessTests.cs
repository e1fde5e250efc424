using System.Diagnostics;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// The two-node swarm the swarm mode's tests will run on (issue 15): both nodes join, and an image the host engine pushed
/// to the harness's registry runs on both nodes and answers on both node addresses. Explicit until the swarm mode exists,
/// so the CI of the single-server modes does not pay for it: run with --filter "Category=Swarm".
/// </summary>
[Explicit("builds a two-node swarm; run with --filter Category=Swarm")]
[Category("Swarm")]
[NonParallelizable]
public sealed class SwarmHarnessTests
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(3) };

    [Test]
    public void An_image_pushed_to_the_registry_runs_on_both_nodes_and_answers_on_each_node_address()
    {
        var clock = Stopwatch.StartNew();
        var swarm = new TwoNodeSwarm();
        TestContext.Progress.WriteLine($"swarm set up in {clock.Elapsed.TotalSeconds:F1} s");
        var folder = Directory.CreateTempSubdirectory("kaha-swarm-image-").FullName;
        var pushed = $"{swarm.RegistryOnLoopback}/ksw-smoke:1";
        try
        {
            Assert.That(swarm.ReadyNodes(), Is.EqualTo(2), swarm.Manager.Docker("node", "ls"));
            using (var anonymous = Client.GetAsync($"http://{swarm.Registry}/v2/_catalog").GetAwaiter().GetResult())
            {
                Assert.That((int)anonymous.StatusCode, Is.EqualTo(401), "the registry wants credentials");
            }

            BuildNodeReporter(folder, pushed);
            Shell.Must("docker", "--config", swarm.CliConfig, "push", pushed);

            // The nodes pull with the credentials the manager's CLI sends along (--with-registry-auth).
            // dnsrr and a host-mode port: what works without IPVS (DESIGN.md §8). The hostname is the node's id, which the
            // image's CGI reports, so each address shows which node's task answered.
            clock.Restart();
            swarm.Manager.Docker("--config", swarm.CliConfig, "service", "create", "--with-registry-auth", "--detach=false", "--quiet", "--name", "smoke", "--mode", "global",
                "--endpoint-mode", "dnsrr", "--publish", "mode=host,target=3000,published=8090",
                "--hostname", "{{.Node.ID}}", $"{swarm.Registry}/ksw-smoke:1");
            TestContext.Progress.WriteLine($"service converged on both nodes in {clock.Elapsed.TotalSeconds:F1} s");

            foreach (var node in swarm.Nodes)
            {
                Assert.That(Answer($"http://{node.Address}:8090/cgi-bin/node"), Is.EqualTo(node.Id), $"node {node.Name} at {node.Address}");
                // A service pins its image by digest, so the node's copy has no tag: its repository names the registry.
                Assert.That(node.Docker("image", "ls", "--format", "{{.Repository}}"),
                    Does.Contain($"{swarm.Registry}/ksw-smoke"), "the node pulled the image from the registry");
            }
        }
        finally
        {
            Shell.Run("docker", "rmi", pushed);
            Directory.Delete(folder, recursive: true);
            clock.Restart();
            swarm.Dispose();
            TestContext.Progress.WriteLine($"swarm torn down in {clock.Elapsed.TotalSeconds:F1} s");
        }
    }

    /// <summary>A FROM-scratch image of the host's static busybox serving HTTP on 3000, with a CGI that prints the hostname.</summary>
    private static void BuildNodeReporter(string folder, string tag)
    {
        Directory.CreateDirectory(Path.Combine(folder, "www", "cgi-bin"));
        File.Copy("/bin/busybox", Path.Combine(folder, "busybox"));
        var cgi = Path.Combine(folder, "www", "cgi-bin", "node");
        File.WriteAllText(cgi, "#!/bin/busybox sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\n/bin/busybox hostname\n");
        File.SetUnixFileMode(cgi, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                  UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.WriteAllText(Path.Combine(folder, "Dockerfile"), """
            FROM scratch
            COPY busybox /bin/busybox
            COPY www /www
            CMD ["/bin/busybox", "httpd", "-f", "-p", "3000", "-h", "/www"]
            """);
        Shell.MustIn(folder, "docker", "build", "-q", "-t", tag, ".");
    }

    /// <summary>The body a node's published port answers with, once it answers (a task's port opens after it starts).</summary>
    private static string Answer(string url)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                return Client.GetStringAsync(url).GetAwaiter().GetResult().Trim();
            }
            catch (Exception e) when ((e is HttpRequestException or TaskCanceledException) && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(500);
            }
        }
    }
}
