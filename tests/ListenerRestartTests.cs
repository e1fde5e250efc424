using System.Text.Json.Nodes;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// Issue 12, item 4, end to end on the real engine: stopping the listener loses no accepted push. During the grace it
/// goes on answering (hooks 503 with Retry-After, /healthz "draining") while the running deploy finishes; the waiting
/// deploy stays in .deploy/listener/queue.json and runs when the listener starts again.
/// </summary>
[NonParallelizable]
public sealed class ListenerRestartTests : ListenerFixture
{
    private string QueueFile => Path.Combine(Sandbox.Folder, ".deploy", "listener", "queue.json");

    [Test]
    public void SIGTERM_keeps_answering_through_the_grace_and_the_waiting_push_runs_after_a_restart()
    {
        var running = Sandbox.PushChange("running");
        var waiting = Sandbox.PushChange("waiting");
        Assert.That(GitHub.Push(running).Status, Is.EqualTo(202));
        var accepted = GitHub.Push(waiting);
        Assert.That(accepted.Message, Does.EndWith("runs after the running one (newer pushes fold into it)"), accepted.ToString());

        Listener.Terminate();
        Listener.WaitForOutput("Stopping: no new deliveries are taken.", TimeSpan.FromSeconds(30));

        // During the grace: a hook is told to come back, and a health check sees the listener going.
        var refused = GitHub.Push(Sandbox.PushChange("during the grace"));
        Assert.That(refused.Status, Is.EqualTo(503), refused.ToString());
        Assert.That(refused.Message, Does.Contain("the listener is stopping"));
        using (var client = new HttpClient())
        {
            using var retry = Retry(client);
            Assert.That(retry.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(60)), "Retry-After");
            using var health = client.GetAsync(new Uri(Listener.Url, "healthz")).GetAwaiter().GetResult();
            Assert.That((int)health.StatusCode, Is.EqualTo(503));
            Assert.That(health.Content.ReadAsStringAsync().GetAwaiter().GetResult(), Is.EqualTo("draining"));
        }

        Assert.That(Listener.Stop(DeployTime), Is.EqualTo(0), Listener.Output);
        Assert.That(Listener.Output, Does.Contain($"of {running[..12]} to prod succeeded"), "the running deploy finished within the grace");
        Assert.That(Listener.Output, Does.Contain($"Kept the waiting deploy {accepted.Deploy} of {waiting[..12]} to prod in {QueueFile}"));
        Assert.That(File.ReadAllText(QueueFile), Does.Contain(waiting).And.Contain(accepted.Delivery), "queue.json holds the waiting push");
        Assert.That(File.GetUnixFileMode(QueueFile), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), "queue.json (callback URLs) is for the owner alone");
        Assert.That(Http.CommitAt(Sandbox.ProdUrl), Is.EqualTo(running));

        GitHub.Dispose();
        Start();

        var deploys = Listener.WaitForDeploys(1, DeployTime);
        Assert.That(Listener.Output, Does.Contain($"Resuming deploy").And.Contain($"of {waiting[..12]} to prod, accepted before the listener stopped"));
        Assert.That(deploys.Single()["sha"]!.GetValue<string>(), Is.EqualTo(waiting));
        Assert.That(deploys.Single()["state"]!.GetValue<string>(), Is.EqualTo("succeeded"), deploys.Single().ToJsonString());
        Assert.That(Http.CommitAt(Sandbox.ProdUrl), Is.EqualTo(waiting));
        Assert.That(JsonNode.Parse(File.ReadAllText(QueueFile))!.AsArray(), Is.Empty, "nothing waits any more");
    }

    /// <summary>A signed push straight over HTTP, to read the 503's headers.</summary>
    private HttpResponseMessage Retry(HttpClient client)
    {
        var body = FakeGitHub.PushPayload(new string('a', 40));
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Listener.Url, "hooks/github")) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-GitHub-Event", "push");
        request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
        request.Headers.Add("X-GitHub-Hook-ID", FakeGitHub.HookId);
        request.Headers.Add("X-Hub-Signature-256", FakeGitHub.Sign(Secret, body));
        return client.Send(request);
    }
}
