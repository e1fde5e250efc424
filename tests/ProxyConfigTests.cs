using System.Text.Json.Nodes;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// Issue 11, items 7 and 8: a changed published port, a lost state folder or a lost proxy folder never blocks a deploy;
/// the proxy is reconciled to the configuration and keeps routing where it did.
/// </summary>
[NonParallelizable]
public sealed class ProxyConfigTests : SandboxFixture
{
    protected override void Prepare()
    {
        WriteProxiedConfig(Sandbox.ProdPort);
        Sandbox.StartBackingRedis();
    }

    [Test]
    public void A_changed_published_port_recreates_the_proxy_and_the_next_deploy_serves_there()
    {
        DeployProxiedProd(Sandbox.ProdPort);
        var newPort = FreePort.OnLoopback();
        WriteProxiedConfig(newPort);
        var pushed = Sandbox.PushChange("two");

        var deploy = Sandbox.Tool("--target=Deploy", "--env=prod");

        Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.ToString());
        Assert.That(deploy.StdOut, Does.Contain(
            $"Recreated the proxy {Sandbox.ProdContainer}_proxy (published ports 127.0.0.1:{Sandbox.ProdPort}->3000/tcp -> 127.0.0.1:{newPort}->3000/tcp), routing to http://{Sandbox.ProdContainer}-")
            .And.Contain("outage: none, the new ports served before the old ones closed"));
        Assert.That(Http.VersionAt(new Uri($"http://127.0.0.1:{newPort}/")), Is.EqualTo(pushed[..12]));
        Assert.That(Shell.Run("curl", "-s", "-o", "/dev/null", "--max-time", "2", Sandbox.ProdUrl.ToString()).ExitCode, Is.Not.EqualTo(0), "the old port is closed");
    }

    [Test]
    public void A_lost_proxy_folder_recreates_the_proxy_on_its_route_and_reports_the_outage()
    {
        DeployProxiedProd(Sandbox.ProdPort);
        var old = Http.VersionAt(Sandbox.ProdUrl);
        Directory.Delete(Path.Combine(Sandbox.DataFolder("prod"), "proxy"), recursive: true);
        Sandbox.PushBrokenRelease();

        // The broken release waits out the whole health timeout, the class's for healthy releases is longer than it needs.
        var deploy = Sandbox.WithHealthTimeout("prod", 4, () => Sandbox.Tool("--target=Deploy", "--env=prod"));

        // The broken release never takes traffic, so what serves afterwards is what the old proxy routed to.
        Assert.That(deploy.ExitCode, Is.Not.EqualTo(0), deploy.ToString());
        Assert.That(deploy.StdOut, Does.Contain($"Recreated the proxy {Sandbox.ProdContainer}_proxy (its admin socket is gone), routing to http://{Sandbox.ProdContainer}-")
            .And.Match(@"outage: \d+ ms while the port moved"));
        Assert.That(Http.VersionAt(Sandbox.ProdUrl), Is.EqualTo(old));
    }

    [Test]
    public void Without_the_state_folder_Deploy_and_Rollback_succeed_and_the_service_keeps_answering()
    {
        DeployProxiedProd(Sandbox.ProdPort);
        var old = Http.VersionAt(Sandbox.ProdUrl);
        var pushed = Sandbox.PushChange("two");
        var load = new LoadProbe(Sandbox.ProdUrl);

        Directory.Delete(Path.Combine(Sandbox.Folder, ".deploy"), recursive: true);
        var deploy = Sandbox.Tool("--target=Deploy", "--env=prod");
        Directory.Delete(Path.Combine(Sandbox.Folder, ".deploy"), recursive: true);
        var rollback = Sandbox.Tool("--target=Rollback", "--env=prod");
        load.StopAsync().GetAwaiter().GetResult();

        Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.ToString());
        Assert.That(rollback.ExitCode, Is.EqualTo(0), rollback.ToString());
        Assert.That(load.Failures, Is.Empty);
        Assert.That(load.VersionsSeen, Is.EqualTo(new[] { old, pushed[..12] }));
        Assert.That(load.LastVersion, Is.EqualTo(old));
    }

    [Test]
    public void Without_a_proxy_Rollback_to_a_release_published_on_an_old_port_serves_it_on_the_configured_port()
    {
        WriteUnproxiedConfig(Sandbox.ProdPort);
        Assert.That(Sandbox.Tool("--target=Deploy", "--env=prod").ExitCode, Is.EqualTo(0));
        var v1 = Http.VersionAt(Sandbox.ProdUrl);
        var newPort = FreePort.OnLoopback();
        WriteUnproxiedConfig(newPort);
        Sandbox.PushChange("two");
        var deploy = Sandbox.Tool("--target=Deploy", "--env=prod");
        Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.ToString());

        var rollback = Sandbox.Tool("--target=Rollback", "--env=prod");

        Assert.That(rollback.ExitCode, Is.EqualTo(0), rollback.ToString());
        Assert.That(rollback.StdOut, Does.Contain(
            $"Republished {Sandbox.ProdContainer} on 127.0.0.1:{newPort}->3000/tcp, the configured port (it was created with 127.0.0.1:{Sandbox.ProdPort}->3000/tcp)"));
        Assert.That(Http.VersionAt(new Uri($"http://127.0.0.1:{newPort}/")), Is.EqualTo(v1));
        Assert.That(DockerCli.State($"{Sandbox.ProdContainer}_failed"), Is.Null, "no good release was marked failed");
    }

    private void DeployProxiedProd(int port)
    {
        WriteProxiedConfig(port);
        var first = Sandbox.Tool("--target=Deploy", "--env=prod");
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
    }

    private void WriteProxiedConfig(int port) => Sandbox.WriteConfig(adjust: config =>
    {
        var prod = config["environments"]!["prod"]!;
        prod["healthTimeoutSeconds"] = 10;
        prod["proxy"] = new JsonObject { ["enabled"] = true, ["healthyInARow"] = 3, ["drainSeconds"] = 1, ["standbySeconds"] = 30 };
        prod["ports"] = new JsonArray($"127.0.0.1:{port}:3000");
    });

    private void WriteUnproxiedConfig(int port) => Sandbox.WriteConfig(adjust: config =>
    {
        var prod = config["environments"]!["prod"]!;
        prod["healthTimeoutSeconds"] = 20;
        prod["proxy"] = new JsonObject { ["enabled"] = false };
        prod["ports"] = new JsonArray($"127.0.0.1:{port}:3000");
    });
}
