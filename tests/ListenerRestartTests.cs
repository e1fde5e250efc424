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
public sealed class ListenerRestartTests
{
    private static readonly TimeSpan DeployTime = TimeSpan.FromMinutes(3);

    private Sandbox _sandbox = null!;
    private FakeSlack _slack = null!;
    private ListenerProcess _listener = null!;
    private FakeGitHub _github = null!;
    private string _secret = null!;

    private string QueueFile => Path.Combine(_sandbox.Folder, ".deploy", "listener", "queue.json");

    [SetUp]
    public void StartListener()
    {
        _slack = new FakeSlack();
        _sandbox = new Sandbox();
        _secret = ListenerConfig.NewSecret("gh");
        _sandbox.WriteConfig(_slack.WebhookUrl, config => config["listener"] = ListenerConfig.GitHub(_sandbox, _secret));
        _sandbox.StartBackingRedis();
        Start();
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
    public void SIGTERM_keeps_answering_through_the_grace_and_the_waiting_push_runs_after_a_restart()
    {
        var running = _sandbox.PushChange("running");
        var waiting = _sandbox.PushChange("waiting");
        Assert.That(_github.Push(running).Status, Is.EqualTo(202));
        var accepted = _github.Push(waiting);
        Assert.That(accepted.Message, Does.EndWith("runs after the running one (newer pushes fold into it)"), accepted.ToString());

        _listener.Terminate();
        _listener.WaitForOutput("Stopping: no new deliveries are taken.", TimeSpan.FromSeconds(30));

        // During the grace: a hook is told to come back, and a health check sees the listener going.
        var refused = _github.Push(_sandbox.PushChange("during the grace"));
        Assert.That(refused.Status, Is.EqualTo(503), refused.ToString());
        Assert.That(refused.Message, Does.Contain("the listener is stopping"));
        using (var client = new HttpClient())
        {
            using var retry = Retry(client);
            Assert.That(retry.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(60)), "Retry-After");
            using var health = client.GetAsync(new Uri(_listener.Url, "healthz")).GetAwaiter().GetResult();
            Assert.That((int)health.StatusCode, Is.EqualTo(503));
            Assert.That(health.Content.ReadAsStringAsync().GetAwaiter().GetResult(), Is.EqualTo("draining"));
        }

        Assert.That(_listener.Stop(DeployTime), Is.EqualTo(0), _listener.Output);
        Assert.That(_listener.Output, Does.Contain($"of {running[..12]} to prod succeeded"), "the running deploy finished within the grace");
        Assert.That(_listener.Output, Does.Contain($"Kept the waiting deploy {accepted.Deploy} of {waiting[..12]} to prod in {QueueFile}"));
        Assert.That(File.ReadAllText(QueueFile), Does.Contain(waiting).And.Contain(accepted.Delivery), "queue.json holds the waiting push");
        Assert.That(Http.CommitAt(_sandbox.ProdUrl), Is.EqualTo(running));

        _github.Dispose();
        Start();

        var deploys = _listener.WaitForDeploys(1, DeployTime);
        Assert.That(_listener.Output, Does.Contain($"Resuming deploy").And.Contain($"of {waiting[..12]} to prod, accepted before the listener stopped"));
        Assert.That(deploys.Single()["sha"]!.GetValue<string>(), Is.EqualTo(waiting));
        Assert.That(deploys.Single()["state"]!.GetValue<string>(), Is.EqualTo("succeeded"), deploys.Single().ToJsonString());
        Assert.That(Http.CommitAt(_sandbox.ProdUrl), Is.EqualTo(waiting));
        Assert.That(JsonNode.Parse(File.ReadAllText(QueueFile))!.AsArray(), Is.Empty, "nothing waits any more");
    }

    /// <summary>A signed push straight over HTTP, to read the 503's headers.</summary>
    private HttpResponseMessage Retry(HttpClient client)
    {
        var body = FakeGitHub.PushPayload(new string('a', 40));
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_listener.Url, "hooks/github")) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-GitHub-Event", "push");
        request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
        request.Headers.Add("X-GitHub-Hook-ID", FakeGitHub.HookId);
        request.Headers.Add("X-Hub-Signature-256", FakeGitHub.Sign(_secret, body));
        return client.Send(request);
    }

    private void Start()
    {
        _listener = ListenerProcess.Start(_sandbox, FreePort.OnLoopback());
        _github = new FakeGitHub(_listener.Url, _secret);
    }
}
