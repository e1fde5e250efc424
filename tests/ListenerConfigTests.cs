using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// The listener's configuration is checked like the rest: a mistake stops it before it listens, with one line naming
/// the key and the fix. Without a real secret it does not start at all.
/// </summary>
[NonParallelizable]
public sealed class ListenerConfigTests() : SandboxFixture(SandboxPer.Class)
{
    [Test]
    public void Without_the_secret_the_listener_does_not_start()
    {
        var environment = new Dictionary<string, string?>(Write()) { ["GITHUB_WEBHOOK_SECRET"] = null };

        Expect.OneErrorLine(Sandbox.ToolWith(environment, "--target=Listen"),
            "listener.github.secret: secret ${GITHUB_WEBHOOK_SECRET} is not set", ".deploy/secrets.listener");
    }

    [Test]
    public void An_empty_or_short_secret_is_refused()
    {
        Expect.OneErrorLine(Listen(github => github["secret"] = ""), "listener.github.secret is empty", "openssl rand -hex 32");
        Expect.OneErrorLine(Listen(github => github["secret"] = "hunter2"), "listener.github.secret is shorter than 16 characters");
    }

    [Test]
    public void No_listener_section() =>
        Expect.OneErrorLine(Listen(config: config => config.Remove("listener")), "there is no \"listener\" section");

    [Test]
    public void Unknown_key() =>
        Expect.OneErrorLine(Listen(github => github["secrte"] = "x"), "listener.github", "unknown key \"secrte\"");

    [Test]
    public void Missing_key() =>
        Expect.OneErrorLine(Listen(github => github.Remove("repository")), "listener.github", "missing key \"repository\"");

    [Test]
    public void Bad_network() =>
        Expect.OneErrorLine(Listen(github => github["allowedNetworks"] = new JsonArray("192.30.252.0/33")),
            "listener.github.allowedNetworks[0]: \"192.30.252.0/33\" is not a network", "ADDRESS/PREFIX");

    [Test]
    public void A_network_with_host_bits_set_is_not_widened_silently() =>
        Expect.OneErrorLine(Listen(listener: listener => listener["trustedProxies"] = new JsonArray("10.1.2.3/8")),
            "listener.trustedProxies[0]: \"10.1.2.3/8\" has host bits set", "\"10.0.0.0/8\"");

    [Test]
    public void Bad_address() =>
        Expect.OneErrorLine(Listen(listener: listener => listener["address"] = "hooks.example.com"),
            "listener.address \"hooks.example.com\" is not an IP address");

    [Test]
    public void Bad_port_argument() =>
        Expect.OneErrorLine(Listen(arguments: "--port=70000"), "--port=70000 is not a port");

    [Test]
    public void A_port_in_use_is_named_with_the_way_out()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        Expect.OneErrorLine(Listen(arguments: $"--port={port}"), $"Could not listen on http://127.0.0.1:{port}/", "address already in use", "--port=N");
    }

    [Test]
    public void A_branch_mapped_to_an_unknown_environment() =>
        Expect.OneErrorLine(Listen(github => github["branches"] = new JsonObject { ["refs/heads/main"] = "qa" }),
            "listener.github.branches[\"refs/heads/main\"]: environment 'qa' is not defined", "dev, backing, prod");

    [Test]
    public void A_branch_that_is_not_a_ref() =>
        Expect.OneErrorLine(Listen(github => github["branches"] = new JsonObject { ["master"] = "prod" }),
            "\"master\" is not a branch ref", "refs/heads/master");

    [Test]
    public void Docker_Hub_images_must_map_to_an_environment_that_pulls()
    {
        Sandbox.Secrets["DOCKERHUB_WEBHOOK_TOKEN"] = ListenerConfig.NewSecret("hub");
        var dockerHub = new JsonObject { ["token"] = "${DOCKERHUB_WEBHOOK_TOKEN}", ["images"] = new JsonObject { ["kaha/app:*"] = "prod" } };

        Expect.OneErrorLine(Listen(listener: listener => listener["dockerHub"] = dockerHub.DeepClone()),
            "listener.dockerHub.images[\"kaha/app:*\"]: environment 'prod' does not pull its image", "environments.prod.pullImage");
        dockerHub["callbackHosts"] = new JsonArray("https://registry.hub.docker.com/u/");
        Expect.OneErrorLine(Listen(
                listener: listener => listener["dockerHub"] = dockerHub.DeepClone(),
                config: config => config["environments"]!["prod"]!["pullImage"] = "kaha/app:latest"),
            "listener.dockerHub.callbackHosts[0]", "is neither a host name nor SCHEME://HOST[:PORT]");
    }

    [Test]
    public void By_default_only_GitHubs_hook_networks_may_send()
    {
        var secret = ListenerConfig.NewSecret("gh");
        Write(listener => ((JsonObject)listener["github"]!).Remove("allowedNetworks"), secret: secret);
        using var listener = ListenerProcess.Start(Sandbox, FreePort.OnLoopback());
        using var github = new FakeGitHub(listener.Url, secret);

        var answer = github.Send("ping", Encoding.UTF8.GetBytes("{}"));

        Assert.That(answer.Status, Is.EqualTo(403), "127.0.0.1 is not one of GitHub's hook ranges");
        listener.WaitForOutput("127.0.0.1 is not in listener.github.allowedNetworks", TimeSpan.FromSeconds(5));
    }

    private ProcessResult Listen(
        Action<JsonObject>? github = null,
        Action<JsonObject>? listener = null,
        Action<JsonObject>? config = null,
        params string[] arguments)
    {
        var environment = Write(section =>
        {
            github?.Invoke((JsonObject)section["github"]!);
            listener?.Invoke(section);
        }, config);
        return Sandbox.ToolWith(environment, ["--target=Listen", .. arguments]);
    }

    /// <summary>Writes the config with a listener section; returns the environment to run the tool with.</summary>
    private IReadOnlyDictionary<string, string?> Write(Action<JsonObject>? listener = null, Action<JsonObject>? config = null, string? secret = null)
    {
        Sandbox.WriteConfig(adjust: root =>
        {
            var section = ListenerConfig.GitHub(Sandbox, secret ?? ListenerConfig.NewSecret("gh"));
            listener?.Invoke(section);
            root["listener"] = section;
            config?.Invoke(root);
        });
        return Sandbox.Secrets;
    }
}
