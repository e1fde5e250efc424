using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// Prod deploys from a bare origin and a release that fails its health check, both the seed's way (stop, rename,
/// run) and behind the proxy (start beside, gate, switch): what the user sees must hold for both.
/// </summary>
[NonParallelizable]
[TestFixture(false)]
[TestFixture(true)]
public sealed class ProdDeployTests(bool behindProxy) : SandboxFixture(withSlack: true)
{
    protected override void Prepare()
    {
        Sandbox.WriteConfig(Slack.WebhookUrl, config =>
        {
            config["environments"]!["prod"]!["healthTimeoutSeconds"] = 8;
            config["environments"]!["prod"]!["proxy"] = new System.Text.Json.Nodes.JsonObject { ["enabled"] = behindProxy, ["drainSeconds"] = 0 };
        });
        Sandbox.StartBackingRedis();
    }

    [Test]
    public void A_commit_pushed_to_origin_is_what_runs_after_the_deploy_and_redis_data_survives()
    {
        var first = Sandbox.Tool("--target=Deploy", "--env=prod");
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        var v1 = Http.VersionAt(Sandbox.ProdUrl);
        Http.PostHit(Sandbox.ProdUrl);
        Assert.That(Http.PostHit(Sandbox.ProdUrl), Is.EqualTo(2));

        var pushed = Sandbox.CommitAndPush("change the page", dir =>
            File.WriteAllText(Path.Combine(dir, "server.js"), File.ReadAllText(Path.Combine(dir, "server.js")) + "\n// release two\n"));
        var second = Sandbox.Tool("--target=Deploy", "--env=prod");

        Assert.That(second.ExitCode, Is.EqualTo(0), second.ToString());
        var previous = behindProxy ? $@"previous {v1} is a warm standby until \d\d:\d\d UTC" : $"previous {v1} is kept stopped as {Sandbox.ProdContainer}_previous";
        Assert.That(ProcessResult.Lines(second.StdOut).Last(l => l.Length > 0), Does.Match(
            $@"^{System.Text.RegularExpressions.Regex.Escape(Sandbox.AppName)} prod: {pushed[..12]} is live at {System.Text.RegularExpressions.Regex.Escape(Sandbox.ProdUrl.ToString())} \(deployed in \d+\.\d s; {previous}\)$"),
            "the deploy ends with one line saying what is live and what became of the previous release");
        Assert.That(Http.CommitAt(Sandbox.ProdUrl), Is.EqualTo(pushed));
        Assert.That(Http.VersionAt(Sandbox.ProdUrl), Is.EqualTo(pushed[..12]));
        Assert.That(Shell.Run("docker", "image", "inspect", $"{Sandbox.Image}:{pushed[..12]}").ExitCode, Is.EqualTo(0), "the image is tagged with the commit");
        Assert.That(DockerCli.Inspect($"{Sandbox.Image}:{pushed[..12]}", "{{index .Config.Labels \"org.opencontainers.image.revision\"}}"), Is.EqualTo(pushed));
        Assert.That(DockerCli.Inspect(Sandbox.ProdContainer, "{{len .Mounts}}"), Is.EqualTo("0"), "prod runs the code baked into the image");
        Assert.That(Http.Hits(Sandbox.ProdUrl), Is.EqualTo(2), "the counter kept in Redis survives the deploy");

        Assert.That(Slack.Messages, Has.Count.EqualTo(2));
        Assert.That(Slack.Messages[1]["text"]!.GetValue<string>(), Does.Contain("succeeded").And.Contain(pushed[..12]).And.Contain("prod"));
    }

    [Test]
    public void Deploying_an_older_sha_brings_that_commit_back()
    {
        var first = Sandbox.Git(Sandbox.Author, "rev-parse", "HEAD");
        Sandbox.PushChange("two");
        Assert.That(Sandbox.Tool("--target=Deploy", "--env=prod").ExitCode, Is.EqualTo(0));

        var result = Sandbox.Tool("--target=Deploy", "--env=prod", $"--sha={first[..10]}");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(Http.CommitAt(Sandbox.ProdUrl), Is.EqualTo(first));
    }

    [Test]
    public void A_release_that_fails_its_health_check_leaves_the_old_version_serving_and_slack_is_told()
    {
        Assert.That(Sandbox.Tool("--target=Deploy", "--env=prod").ExitCode, Is.EqualTo(0));
        var good = Http.VersionAt(Sandbox.ProdUrl);
        var broken = Sandbox.PushBrokenRelease();

        var result = DeployBroken();

        Assert.That(result.ExitCode, Is.Not.EqualTo(0));
        Assert.That(result.ErrorLines, Has.Count.EqualTo(1), result.ToString());
        Assert.That(Http.VersionAt(Sandbox.ProdUrl), Is.EqualTo(good));
        if (behindProxy)
        {
            Assert.That(result.ErrorLines[0], Does.Contain("_prod_next did not answer /healthz with 200 3 time(s) in a row").And.Contain("traffic stayed on the live release"));
            Assert.That(DockerCli.Containers(Sandbox.Prefix), Does.Not.Contain($"{Sandbox.ProdContainer}_next"), "the failed release is removed");
            Assert.That(result.All, Does.Contain("Last lines of"), "its logs are kept in the deploy's output");
        }
        else
        {
            Assert.That(result.ErrorLines[0], Does.Contain("did not answer").And.Contain("the previous version is serving again"));
            Assert.That(DockerCli.State($"{Sandbox.ProdContainer}_failed"), Is.EqualTo("exited"), "the failed release is kept for inspection");
            Assert.That(DockerCli.Inspect($"{Sandbox.ProdContainer}_failed", "{{index .Config.Labels \"org.kaha.commit\"}}"), Is.EqualTo(broken));
        }

        var failure = Slack.Messages.Last();
        var text = failure["text"]!.GetValue<string>();
        Assert.That(text, Does.Contain("FAILED").And.Contain("HealthCheck").And.Contain(broken[..12]));
        Assert.That(failure["blocks"]!.ToJsonString(), Does.Contain("Failed task").And.Contain("HealthCheck"));
    }

    [Test]
    public void A_failed_deploy_keeps_both_rollback_targets()
    {
        Assert.That(Sandbox.Tool("--target=Deploy", "--env=prod").ExitCode, Is.EqualTo(0));
        var v1 = Http.VersionAt(Sandbox.ProdUrl);
        Sandbox.PushChange("two");
        Assert.That(Sandbox.Tool("--target=Deploy", "--env=prod").ExitCode, Is.EqualTo(0));
        var v2 = Http.VersionAt(Sandbox.ProdUrl);
        Sandbox.PushBrokenRelease();
        Assert.That(DeployBroken().ExitCode, Is.Not.EqualTo(0));

        var standby = behindProxy ? "running" : "exited";
        Assert.That(StatusJson.Of(Sandbox, "prod"), Is.EqualTo(new StatusJson(v2, "running", v1, standby, "healthy")));
        var rollback = Sandbox.Tool("--target=Rollback", "--env=prod");
        Assert.That(rollback.ExitCode, Is.EqualTo(0), rollback.ToString());
        Assert.That(Http.VersionAt(Sandbox.ProdUrl), Is.EqualTo(v1));
        Assert.That(DockerCli.Containers(Sandbox.Prefix), Does.Not.Contain($"{Sandbox.ProdContainer}_older"));
    }

    // The broken release waits out the whole timeout; in place, the previous release brought back must answer within it too.
    private ProcessResult DeployBroken() =>
        Sandbox.WithHealthTimeout("prod", behindProxy ? 4 : 5, () => Sandbox.Tool("--target=Deploy", "--env=prod"));
}
