using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// Issue 12, item 3, end to end on the real engine and real git: a push deploy only moves prod forward. A commit that
/// is the live one or an ancestor of it is answered 202 ignored however it arrives (a redelivery, the same body under a
/// new delivery or hook id, out of order), and of pushes folded into one waiting deploy the newest runs.
/// </summary>
[NonParallelizable]
public sealed class ListenerForwardTests
{
    private static readonly TimeSpan DeployTime = TimeSpan.FromMinutes(3);

    private Sandbox _sandbox = null!;
    private FakeSlack _slack = null!;
    private ListenerProcess _listener = null!;
    private FakeGitHub _github = null!;

    private string HistoryFile => Path.Combine(_sandbox.StateFolder("prod"), "history.jsonl");

    [SetUp]
    public void StartListener()
    {
        _slack = new FakeSlack();
        _sandbox = new Sandbox();
        var secret = ListenerConfig.NewSecret("gh");
        _sandbox.WriteConfig(_slack.WebhookUrl, config => config["listener"] = ListenerConfig.GitHub(_sandbox, secret));
        _sandbox.StartBackingRedis();
        _listener = ListenerProcess.Start(_sandbox, FreePort.OnLoopback());
        _github = new FakeGitHub(_listener.Url, secret);
    }

    [TearDown]
    public void StopListener()
    {
        _github?.Dispose();
        _listener?.Dispose();
        _sandbox?.Dispose();
        _slack?.Dispose();
    }

    [Test]
    public void A_push_of_the_live_commit_or_an_older_one_is_ignored_however_it_arrives()
    {
        // GitHub tells about the older commit before origin has it: that deploy fails, so its delivery may run again.
        File.AppendAllText(Path.Combine(_sandbox.Author, "README.md"), "\nolder\n");
        Sandbox.Git(_sandbox.Author, "commit", "--quiet", "-am", "older");
        var older = Sandbox.Git(_sandbox.Author, "rev-parse", "HEAD");
        var first = _github.Push(older);
        Assert.That(_listener.WaitForDeploys(1, DeployTime).Single()["state"]!.GetValue<string>(), Is.EqualTo("failed"));
        Sandbox.Git(_sandbox.Author, "push", "--quiet", "origin", "master");
        var newer = _sandbox.PushChange("newer");
        var deployed = _github.Push(newer);
        Assert.That(_listener.WaitForDeploys(2, DeployTime)[^1]["state"]!.GetValue<string>(), Is.EqualTo("succeeded"));
        var history = File.ReadAllLines(HistoryFile);

        var redelivered = _github.Push(older, delivery: first.Delivery);
        var sameBody = _github.Push(newer);
        var otherHook = _github.Send("push", FakeGitHub.PushPayload(newer), delivery: deployed.Delivery, hookId: "434343");
        var outOfOrder = _github.Push(older);

        var isOlder = $"ignored: {older[..7]} is older than the live {newer[..7]}";
        var isLive = $"ignored: {newer[..7]} is the live commit";
        Assert.That(redelivered, Has.Property("Status").EqualTo(202).And.Property("Message").EqualTo(isOlder), "a redelivery of the failed older push");
        Assert.That(sameBody, Has.Property("Status").EqualTo(202).And.Property("Message").EqualTo(isLive), "the same body under a new delivery id");
        Assert.That(otherHook, Has.Property("Status").EqualTo(202).And.Property("Message").EqualTo(isLive), "the same delivery id under another hook");
        Assert.That(outOfOrder, Has.Property("Status").EqualTo(202).And.Property("Message").EqualTo(isOlder), "the older push arriving late");
        Assert.That(_listener.WaitForDeploys(2, DeployTime), Has.Count.EqualTo(2), "no deploy started");
        Assert.That(Http.CommitAt(_sandbox.ProdUrl), Is.EqualTo(newer));
        Assert.That(File.ReadAllLines(HistoryFile), Is.EqualTo(history), "the history is unchanged");
        Assert.That(_listener.Output, Does.Contain($"github delivery {first.Delivery} from 127.0.0.1: 202 {isOlder}"));

        // The deploy the listener starts checks again, since the live commit may move while it waits; a person's --sha is not held to it.
        var child = _sandbox.Tool("--target=Deploy", "--env=prod", $"--sha={older}", "--only-forward");

        Assert.That(child.ExitCode, Is.EqualTo(0), child.ToString());
        Assert.That(child.All, Does.Contain($"Ignored: {older[..7]} is older than the live {newer[..7]}; nothing changed"));
        Assert.That(Http.CommitAt(_sandbox.ProdUrl), Is.EqualTo(newer));
    }

    [Test]
    public void Of_pushes_folded_into_the_waiting_deploy_the_newest_commit_runs_whatever_their_order()
    {
        var first = _sandbox.PushChange("first");
        var middle = _sandbox.PushChange("middle");
        var newest = _sandbox.PushChange("newest");
        Assert.That(_github.Push(first).Status, Is.EqualTo(202));
        _listener.WaitUntil(() => _listener.Status()["environments"]!.AsArray().Any(e => e!["running"] is not null), TimeSpan.FromSeconds(30), "the first deploy to run");

        var waiting = _github.Push(newest);
        var late = _github.Push(middle);

        Assert.That(late.Deploy, Is.EqualTo(waiting.Deploy), $"the late push folded into the waiting deploy: {waiting} / {late}");
        var deploys = _listener.WaitForDeploys(2, DeployTime);
        Assert.That(deploys, Has.Count.EqualTo(2), string.Join("\n", deploys.Select(d => d.ToJsonString())));
        Assert.That(deploys[^1]["sha"]!.GetValue<string>(), Is.EqualTo(newest), "the folded deploy ran the newest commit, not the last one pushed");
        Assert.That(deploys[^1]["state"]!.GetValue<string>(), Is.EqualTo("succeeded"));
        Assert.That(Http.CommitAt(_sandbox.ProdUrl), Is.EqualTo(newest));
    }

    [Test]
    public void A_waiting_push_overtaken_by_a_deploy_by_hand_changes_nothing_when_it_starts()
    {
        var first = _sandbox.PushChange("first");
        var second = _sandbox.PushChange("second");
        var third = _sandbox.PushChange("third");
        Assert.That(_github.Push(first).Status, Is.EqualTo(202));
        var waiting = _github.Push(second);
        Assert.That(waiting.Message, Does.EndWith("runs after the running one (newer pushes fold into it)"), waiting.ToString());

        // A person deploys the newest commit meanwhile: it waits for the running deploy's lock, then goes before the waiting push.
        _listener.WaitUntil(() => DeployLocks.Exists(_sandbox.ProdContainer), TimeSpan.FromSeconds(60), "the first push's deploy to take the prod lock");
        using var byHand = _sandbox.StartTool("--target=Deploy", "--env=prod", $"--sha={third}", "--lock-wait=300");
        Assert.That(byHand.WaitForOutput("waiting up to 300 s", TimeSpan.FromSeconds(60)), Is.True, byHand.Output);
        Assert.That(byHand.WaitForExit(DeployTime * 2), Is.True, byHand.Output);
        Assert.That(byHand.ExitCode, Is.EqualTo(0), byHand.Output);

        var deploys = _listener.WaitForDeploys(2, DeployTime);
        var overtaken = deploys[^1];
        Assert.That(overtaken["id"]!.GetValue<string>(), Is.EqualTo(waiting.Deploy));
        Assert.That(overtaken["state"]!.GetValue<string>(), Is.EqualTo("ignored"), overtaken.ToJsonString());
        Assert.That(overtaken["result"]!.GetValue<string>(), Does.StartWith($"ignored: {second[..7]} is older than the live {third[..7]}; nothing changed"));
        Assert.That(_listener.Output, Does.Contain($"Deploy {waiting.Deploy} of {second[..12]} to prod was ignored"));
        Assert.That(Http.CommitAt(_sandbox.ProdUrl), Is.EqualTo(third), "the older push did not take prod back");
    }
}
