using System.Text.RegularExpressions;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// A stage-like environment (the source mounted at /app, behind the proxy): each release runs its own commit's code,
/// so a bad commit in the checkout reaches no container until it is deployed, and Rollback brings back old code.
/// </summary>
[NonParallelizable]
public sealed class ReleaseCodeTests : SandboxFixture
{
    protected override void Prepare()
    {
        Sandbox.WriteConfig(adjust: config =>
        {
            var prod = config["environments"]!["prod"]!;
            prod["mountSource"] = true;
            prod["retain"] = 2;
            prod["healthTimeoutSeconds"] = 10;
            prod["proxy"] = new System.Text.Json.Nodes.JsonObject { ["enabled"] = true, ["drainSeconds"] = 0 };
        });
        Sandbox.StartBackingRedis();
    }

    [Test]
    public void A_restart_runs_the_releases_own_code_and_rollback_brings_the_old_code_back()
    {
        var v1 = PushCode("one");
        Deploy();
        var v2 = PushCode("two");
        Deploy();
        Assert.That(CodeAt(), Is.EqualTo("two"));
        Assert.That(DockerCli.Inspect(Sandbox.ProdContainer, "{{range .Mounts}}{{.Source}}:{{.Destination}}:{{.RW}}{{end}}"),
            Is.EqualTo($"{Tree(v2)}:/app:false"), "the release mounts its own tree, read-only");

        // A bad commit lands in the checkout without a deploy; then the live release restarts (after a crash, a reboot). No
        // standby runs, so the proxy has no release to fail over to: the answer comes from the restarted release itself.
        Sandbox.CommitInCheckout("crash at start", dir => File.WriteAllText(Path.Combine(dir, "server.js"), "throw new Error('bad commit');\n"));
        Shell.Must("docker", "stop", $"{Sandbox.ProdContainer}_previous");
        Shell.Must("docker", "restart", Sandbox.ProdContainer);
        Assert.That(Eventually(CodeAt), Is.EqualTo("two"), "the restarted live release still runs its own code");

        var rollback = Sandbox.Tool("--target=Rollback", "--env=prod");
        Assert.That(rollback.ExitCode, Is.EqualTo(0), rollback.ToString());
        Assert.That(Http.VersionAt(Sandbox.ProdUrl), Is.EqualTo(v1[..12]));
        Assert.That(CodeAt(), Is.EqualTo("one"), "the rollback brings back the old code, not only its label");

        // Two more releases (the checkout put back on origin's branch): with retain 2, v1's and v2's releases are pruned, and their trees with them.
        Sandbox.Git(Sandbox.Checkout, "reset", "--quiet", "--hard", "origin/master");
        var v3 = PushCode("three");
        Deploy();
        var v4 = PushCode("four");
        Deploy();
        Assert.That(CodeAt(), Is.EqualTo("four"));
        Assert.That(Directory.GetDirectories(Path.Combine(Sandbox.DataFolder("prod"), "releases")).Select(Path.GetFileName),
            Is.EquivalentTo(new[] { v3, v4 }), "only the retained releases keep a tree");

        // The live commit's code is its own tree, so deploying it again has nothing to change.
        var again = Sandbox.Tool("--target=Deploy", "--env=prod");
        Assert.That(again.ExitCode, Is.EqualTo(0), again.ToString());
        Assert.That(again.StdOut, Does.Contain($"{v4[..12]} is already live"));
    }

    private void Deploy()
    {
        var deploy = Sandbox.Tool("--target=Deploy", "--env=prod");
        Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.ToString());
    }

    private string Tree(string commit) => Path.Combine(Sandbox.DataFolder("prod"), "releases", commit);

    /// <summary>Pushes a release whose page says <paramref name="marker"/>: a change of code, not only of version.</summary>
    private string PushCode(string marker) => Sandbox.CommitAndPush($"code {marker}", dir =>
    {
        var server = Path.Combine(dir, "server.js");
        var text = Regex.Replace(File.ReadAllText(server), "<p id=\"code\">[a-z]+</p>\n", "");
        File.WriteAllText(server, text.Replace("<h1>${name}</h1>\n", $"<h1>${{name}}</h1>\n<p id=\"code\">{marker}</p>\n", StringComparison.Ordinal));
    });

    private string CodeAt()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var page = client.GetStringAsync(Sandbox.ProdUrl).GetAwaiter().GetResult();
        return Regex.Match(page, "<p id=\"code\">([a-z]+)</p>").Groups[1].Value;
    }

    private static string Eventually(Func<string> read)
    {
        var until = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                return read();
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && DateTime.UtcNow < until)
            {
                Thread.Sleep(500);
            }
        }
    }
}
