using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// Issue 12, item 3, end to end on the real engine and real git: a push deploy only moves prod forward. A commit that
/// is the live one or an ancestor of it is answered 202 ignored however it arrives (a redelivery, the same body under a
/// new delivery or hook id, out of order), and of pushes folded into one waiting deploy the newest runs.
/// </summary>
[NonParallelizable]
public sealed class ListenerForwardTests : ListenerFixture
{
    private string HistoryFile => Path.Combine(Sandbox.StateFolder("prod"), "history.jsonl");

    [Test]
    public void A_push_of_the_live_commit_or_an_older_one_is_ignored_however_it_arrives()
    {
        // GitHub tells about the older commit before origin has it: that deploy fails, so its delivery may run again.
        File.AppendAllText(Path.Combine(Sandbox.Author, "README.md"), "\nolder\n");
        Sandbox.Git(Sandbox.Author, "commit", "--quiet", "-am", "older");
        var older = Sandbox.Git(Sandbox.Author, "rev-parse", "HEAD");
        var first = GitHub.Push(older);
        Assert.That(Listener.WaitForDeploys(1, DeployTime).Single()["state"]!.GetValue<string>(), Is.EqualTo("failed"));
        Sandbox.Git(Sandbox.Author, "push", "--quiet", "origin", "master");
        var newer = Sandbox.PushChange("newer");
        var deployed = GitHub.Push(newer);
        Assert.That(Listener.WaitForDeploys(2, DeployTime)[^1]["state"]!.GetValue<string>(), Is.EqualTo("succeeded"));
        var history = File.ReadAllLines(HistoryFile);

        var redelivered = GitHub.Push(older, delivery: first.Delivery);
        var sameBody = GitHub.Push(newer);
        var otherHook = GitHub.Send("push", FakeGitHub.PushPayload(newer), delivery: deployed.Delivery, hookId: "434343");
        var outOfOrder = GitHub.Push(older);

        var isOlder = $"ignored: {older[..7]} is older than the live {newer[..7]}";
        var isLive = $"ignored: {newer[..7]} is the live commit";
        Assert.That(redelivered, Has.Property("Status").EqualTo(202).And.Property("Message").EqualTo(isOlder), "a redelivery of the failed older push");
        Assert.That(sameBody, Has.Property("Status").EqualTo(202).And.Property("Message").EqualTo(isLive), "the same body under a new delivery id");
        Assert.That(otherHook, Has.Property("Status").EqualTo(202).And.Property("Message").EqualTo(isLive), "the same delivery id under another hook");
        Assert.That(outOfOrder, Has.Property("Status").EqualTo(202).And.Property("Message").EqualTo(isOlder), "the older push arriving late");
        Assert.That(Listener.WaitForDeploys(2, DeployTime), Has.Count.EqualTo(2), "no deploy started");
        Assert.That(Http.CommitAt(Sandbox.ProdUrl), Is.EqualTo(newer));
        Assert.That(File.ReadAllLines(HistoryFile), Is.EqualTo(history), "the history is unchanged");
        Assert.That(Listener.Output, Does.Contain($"github delivery {first.Delivery} from 127.0.0.1: 202 {isOlder}"));

        // The deploy the listener starts checks again, since the live commit may move while it waits; a person's --sha is not held to it.
        var child = Sandbox.Tool("--target=Deploy", "--env=prod", $"--sha={older}", "--only-forward");

        Assert.That(child.ExitCode, Is.EqualTo(0), child.ToString());
        Assert.That(child.All, Does.Contain($"Ignored: {older[..7]} is older than the live {newer[..7]}; nothing changed"));
        Assert.That(Http.CommitAt(Sandbox.ProdUrl), Is.EqualTo(newer));
    }

    [Test]
    public void Of_pushes_folded_into_the_waiting_deploy_the_newest_commit_runs_whatever_their_order()
    {
        var first = Sandbox.PushChange("first");
        var middle = Sandbox.PushChange("middle");
        var newest = Sandbox.PushChange("newest");
        Assert.That(GitHub.Push(first).Status, Is.EqualTo(202));
        Listener.WaitUntil(() => Listener.Status()["environments"]!.AsArray().Any(e => e!["running"] is not null), TimeSpan.FromSeconds(30), "the first deploy to run");

        var waiting = GitHub.Push(newest);
        var late = GitHub.Push(middle);

        Assert.That(late.Deploy, Is.EqualTo(waiting.Deploy), $"the late push folded into the waiting deploy: {waiting} / {late}");
        var deploys = Listener.WaitForDeploys(2, DeployTime);
        Assert.That(deploys, Has.Count.EqualTo(2), string.Join("\n", deploys.Select(d => d.ToJsonString())));
        Assert.That(deploys[^1]["sha"]!.GetValue<string>(), Is.EqualTo(newest), "the folded deploy ran the newest commit, not the last one pushed");
        Assert.That(deploys[^1]["state"]!.GetValue<string>(), Is.EqualTo("succeeded"));
        Assert.That(Http.CommitAt(Sandbox.ProdUrl), Is.EqualTo(newest));
    }

    [Test]
    public void A_waiting_push_overtaken_by_a_deploy_by_hand_changes_nothing_when_it_starts()
    {
        var first = Sandbox.PushChange("first");
        var second = Sandbox.PushChange("second");
        var third = Sandbox.PushChange("third");
        Assert.That(GitHub.Push(first).Status, Is.EqualTo(202));
        var waiting = GitHub.Push(second);
        Assert.That(waiting.Message, Does.EndWith("runs after the running one (newer pushes fold into it)"), waiting.ToString());

        // A person deploys the newest commit meanwhile: it waits for the running deploy's lock, then goes before the waiting push.
        Listener.WaitUntil(() => DeployLocks.Exists(Sandbox.ProdContainer), TimeSpan.FromSeconds(60), "the first push's deploy to take the prod lock");
        using var byHand = Sandbox.StartTool("--target=Deploy", "--env=prod", $"--sha={third}", "--lock-wait=300");
        Assert.That(byHand.WaitForOutput("waiting up to 300 s", TimeSpan.FromSeconds(60)), Is.True, byHand.Output);
        Assert.That(byHand.WaitForExit(DeployTime * 2), Is.True, byHand.Output);
        Assert.That(byHand.ExitCode, Is.EqualTo(0), byHand.Output);

        var deploys = Listener.WaitForDeploys(2, DeployTime);
        var overtaken = deploys[^1];
        Assert.That(overtaken["id"]!.GetValue<string>(), Is.EqualTo(waiting.Deploy));
        Assert.That(overtaken["state"]!.GetValue<string>(), Is.EqualTo("ignored"), overtaken.ToJsonString());
        Assert.That(overtaken["result"]!.GetValue<string>(), Does.StartWith($"ignored: {second[..7]} is older than the live {third[..7]}; nothing changed"));
        Assert.That(Listener.Output, Does.Contain($"Deploy {waiting.Deploy} of {second[..12]} to prod was ignored"));
        Assert.That(Http.CommitAt(Sandbox.ProdUrl), Is.EqualTo(third), "the older push did not take prod back");
    }
}
