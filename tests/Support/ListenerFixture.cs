using System.Text.Json.Nodes;

namespace KahaDeploy.Tests.Support;

/// <summary>
/// A sandbox with prod behind a backing Redis, a Slack stand-in, and the listener running with a GitHub hook, for tests of
/// push deploys end to end; everything is stopped and removed after each test, also when set up failed half-way.
/// </summary>
public abstract class ListenerFixture() : SandboxFixture(withSlack: true)
{
    protected static readonly TimeSpan DeployTime = TimeSpan.FromMinutes(3);

    protected ListenerProcess Listener { get; private set; } = null!;

    protected FakeGitHub GitHub { get; private set; } = null!;

    protected string Secret { get; private set; } = null!;

    protected override void Prepare()
    {
        WriteConfig();
        Sandbox.StartBackingRedis();
        Start();
    }

    protected override void Stop()
    {
        GitHub?.Dispose();
        Listener?.Dispose();
    }

    /// <summary>The sandbox's configuration with a listener for GitHub pushes under a new secret.</summary>
    protected void WriteConfig(Action<JsonObject>? adjustListener = null)
    {
        Secret = ListenerConfig.NewSecret("gh");
        Sandbox.WriteConfig(Slack.WebhookUrl, config =>
        {
            var listener = ListenerConfig.GitHub(Sandbox, Secret);
            adjustListener?.Invoke(listener);
            config["listener"] = listener;
        });
    }

    /// <summary>Starts the listener on a free loopback port, with a GitHub stand-in that signs its pushes.</summary>
    protected void Start()
    {
        Listener = ListenerProcess.Start(Sandbox, FreePort.OnLoopback());
        GitHub = new FakeGitHub(Listener.Url, Secret);
    }
}
