using System.Text;
using System.Text.Json.Nodes;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// Issue 4, acceptance 3: a Docker Hub push with the right token deploys the pushed tag, pulled from a real registry on
/// 127.0.0.1, and calls back; a wrong token is a 404 like any unknown path; a callback host off the list is not called.
/// </summary>
[NonParallelizable]
public sealed class DockerHubTests() : SandboxFixture(SandboxPer.Class)
{
    private static readonly TimeSpan DeployTime = TimeSpan.FromMinutes(3);

    private LocalRegistry _registry = null!;
    private FakeDockerHub _hub = null!;
    private ListenerProcess _listener = null!;
    private string _token = null!;
    private string _commit = null!;
    private int _hubPort;

    private string Repository => $"{Sandbox.Prefix}/app";

    private Uri HubUrl => new($"http://127.0.0.1:{_hubPort}/");

    protected override void Prepare()
    {
        _registry = new LocalRegistry();
        _hub = new FakeDockerHub();
        _hubPort = FreePort.OnLoopback();
        _token = ListenerConfig.NewSecret("hub");
        Sandbox.Secrets["DOCKERHUB_WEBHOOK_TOKEN"] = _token;
        Sandbox.WriteConfig(adjust: config =>
        {
            config["environments"]!["hub"] = new JsonObject
            {
                ["container"] = $"{Sandbox.Prefix}_hub",
                ["pullImage"] = $"{_registry.Host}/{Repository}:latest",
                ["ports"] = new JsonArray($"127.0.0.1:{_hubPort}:3000"),
                ["gitPull"] = false,
                ["npmInstall"] = false,
                ["redis"] = new JsonObject
                {
                    ["local"] = new JsonObject
                    {
                        ["container"] = $"{Sandbox.Prefix}_hub_redis",
                        ["dataFolder"] = "redis-data/hub",
                        ["password"] = "${DEV_REDIS_PASSWORD}",
                    },
                },
                ["healthTimeoutSeconds"] = 20,
            };
            config["listener"] = new JsonObject
            {
                ["dockerHub"] = new JsonObject
                {
                    ["token"] = "${DOCKERHUB_WEBHOOK_TOKEN}",
                    ["images"] = new JsonObject
                    {
                        [$"{Repository}:*"] = "hub",
                        [$"{Repository}:v1"] = new JsonObject { ["environment"] = "hub", ["allowOlder"] = true },
                    },
                    ["callbackHosts"] = new JsonArray($"http://127.0.0.1:{_hub.Port}"),
                },
            };
        });

        // The app image, built by the tool itself, then "pushed" to the local registry as v2 and v3.
        foreach (var step in new[] { "NpmInstall", "BuildImage" })
        {
            var result = Sandbox.Tool($"--target={step}", "--env=dev");
            Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        }

        _commit = Sandbox.Git(Sandbox.Checkout, "rev-parse", "HEAD");
        _registry.Add($"{Sandbox.Image}:{_commit[..12]}", Repository, "v1");
        _registry.Add($"{Sandbox.Image}:{_commit[..12]}", Repository, "v2");
        _registry.Add($"{Sandbox.Image}:{_commit[..12]}", Repository, "v3");

        // v5: the same app in an image built later, as a newer release would be.
        var newer = Path.Combine(Sandbox.Folder, "newer-image");
        Directory.CreateDirectory(newer);
        File.WriteAllText(Path.Combine(newer, "Dockerfile"), $"FROM {Sandbox.Image}:{_commit[..12]}\nLABEL org.kaha.test=newer\n");
        Shell.MustIn(newer, "docker", ["build", "-q", "-t", $"{Sandbox.Image}:newer", "."]);
        _registry.Add($"{Sandbox.Image}:newer", Repository, "v5");
        _listener = ListenerProcess.Start(Sandbox, FreePort.OnLoopback());
    }

    protected override void Stop()
    {
        _listener?.Dispose();
        _hub?.Dispose();
        _registry?.Dispose();
    }

    [Test, Order(1)]
    public void A_push_with_the_right_token_deploys_the_pulled_tag_and_calls_back()
    {
        var answer = _hub.Push(_listener.Url, _token, Repository, "v2");

        Assert.That(answer.Status, Is.EqualTo(202), answer.ToString());
        Assert.That(answer.Message, Does.StartWith($"accepted: deploy {answer.Deploy} of {_registry.Host}/{Repository}:v2 to hub"));
        var deploy = _listener.WaitForDeploys(1, DeployTime)[^1];
        Assert.That(deploy["state"]!.GetValue<string>(), Is.EqualTo("succeeded"), deploy.ToJsonString());
        Assert.That(Http.VersionAt(HubUrl), Is.EqualTo("v2"), "the tag names the release");
        Assert.That(Http.CommitAt(HubUrl), Is.EqualTo(_commit), "the image's revision label is the commit");
        Assert.That(DockerCli.Inspect($"{Sandbox.Prefix}_hub", "{{.Config.Image}}"), Is.EqualTo($"{_registry.Host}/{Repository}:v2"));
        Assert.That(_registry.Requests, Has.Some.Matches<string>(r => r.EndsWith($"/v2/{Repository}/manifests/v2", StringComparison.Ordinal)),
            "the engine pulled it from the registry");
        _listener.WaitUntil(() => !_hub.Callbacks.IsEmpty, TimeSpan.FromSeconds(10), "the callback");
        var (host, _, body) = _hub.Callbacks.Single();
        Assert.That(host, Is.EqualTo("127.0.0.1"));
        Assert.That(body["state"]!.GetValue<string>(), Is.EqualTo("success"));
        Assert.That(body["description"]!.GetValue<string>(), Is.EqualTo($"deployed {_registry.Host}/{Repository}:v2 to hub"));
    }

    [Test, Order(2)]
    public void A_wrong_token_is_a_404_that_looks_like_any_unknown_path()
    {
        var before = _listener.Deploys().Count;
        var body = Encoding.UTF8.GetBytes("{}");

        var wrong = FakeDockerHub.Send(_listener.Url, ListenerConfig.NewSecret("hub"), body);
        var shorter = FakeDockerHub.Send(_listener.Url, _token[..^1], body);
        using var client = new HttpClient();
        using var unknown = client.PostAsync(new Uri(_listener.Url, "hooks/quay/" + _token), new ByteArrayContent(body)).GetAwaiter().GetResult();

        Assert.That(wrong.Status, Is.EqualTo(404));
        Assert.That(wrong.Body, Is.Empty);
        Assert.That(shorter.Status, Is.EqualTo(404));
        Assert.That((int)unknown.StatusCode, Is.EqualTo(404));
        Assert.That(unknown.Content.ReadAsStringAsync().GetAwaiter().GetResult(), Is.EqualTo(wrong.Body));
        _listener.WaitForOutput(": 404 wrong token", TimeSpan.FromSeconds(5));
        Assert.That(_listener.WaitForDeploys(before, DeployTime), Has.Count.EqualTo(before), "no deploy started");
    }

    [Test, Order(3)]
    public void A_callback_host_off_the_allow_list_is_not_called()
    {
        var before = _listener.Deploys().Count;
        var callbacks = _hub.Callbacks.Count;

        var answer = _hub.Push(_listener.Url, _token, Repository, "v3", callbackHost: "localhost");

        Assert.That(answer.Status, Is.EqualTo(202), answer.ToString());
        Assert.That(answer.Message, Does.EndWith($"callback http://localhost:{_hub.Port} is not in listener.dockerHub.callbackHosts, so it will not be called"));
        var deploy = _listener.WaitForDeploys(before + 1, DeployTime)[^1];
        Assert.That(deploy["state"]!.GetValue<string>(), Is.EqualTo("succeeded"), deploy.ToJsonString());
        Assert.That(Http.VersionAt(HubUrl), Is.EqualTo("v3"), "the push itself was deployed");
        Thread.Sleep(TimeSpan.FromSeconds(1));
        Assert.That(_hub.Callbacks, Has.Count.EqualTo(callbacks), "localhost was never called");
    }

    [Test, Order(4)]
    public void A_tag_of_a_repository_that_is_not_mapped_is_ignored_and_bad_json_is_400()
    {
        var before = _listener.Deploys().Count;

        var unmapped = _hub.Push(_listener.Url, _token, "someone/else", "v1");
        var malformed = FakeDockerHub.Send(_listener.Url, _token, Encoding.UTF8.GetBytes("{\"push_data\": "));

        Assert.That(unmapped.Status, Is.EqualTo(202), unmapped.ToString());
        Assert.That(unmapped.Message, Is.EqualTo("ignored: someone/else:v1 is not mapped to an environment (listener.dockerHub.images)"));
        Assert.That(malformed.Status, Is.EqualTo(400), malformed.ToString());
        Assert.That(malformed.Message, Is.EqualTo("malformed JSON"));
        Assert.That(_listener.WaitForDeploys(before, DeployTime), Has.Count.EqualTo(before));
    }

    /// <summary>Issue 12 §6: Docker Hub's documentation calls callback_url legacy; a push without one is deployed, with nothing to call.</summary>
    [Test, Order(5)]
    public void A_push_without_a_callback_url_is_deployed_and_nothing_is_called()
    {
        var before = _listener.Deploys().Count;
        var callbacks = _hub.Callbacks.Count;

        var answer = FakeDockerHub.Send(_listener.Url, _token, FakeDockerHub.Payload(Repository, "v2", callbackUrl: null));

        Assert.That(answer.Status, Is.EqualTo(202), answer.ToString());
        Assert.That(answer.Message, Is.EqualTo($"accepted: deploy {answer.Deploy} of {_registry.Host}/{Repository}:v2 to hub started"));
        var deploy = _listener.WaitForDeploys(before + 1, DeployTime)[^1];
        Assert.That(deploy["state"]!.GetValue<string>(), Is.EqualTo("succeeded"), deploy.ToJsonString());
        Assert.That(Http.VersionAt(HubUrl), Is.EqualTo("v2"));
        Thread.Sleep(TimeSpan.FromSeconds(1));
        Assert.That(_hub.Callbacks, Has.Count.EqualTo(callbacks), "there was nothing to call");
    }

    /// <summary>Issue 12 §6: the tag is what gets pulled and deployed; without it there is nothing to do.</summary>
    [Test, Order(6)]
    public void A_push_without_a_tag_is_400_naming_the_field()
    {
        var before = _listener.Deploys().Count;

        var answer = FakeDockerHub.Send(_listener.Url, _token, FakeDockerHub.Payload(Repository, tag: null, _hub.CallbackUrl(Repository)));

        Assert.That(answer.Status, Is.EqualTo(400), answer.ToString());
        Assert.That(answer.Message, Is.EqualTo("missing field push_data.tag"));
        Assert.That(_listener.WaitForDeploys(before, DeployTime), Has.Count.EqualTo(before), "no deploy started");
    }

    /// <summary>Issue 12 §6: the allow list names a scheme, a host and a port; the same host on another port or scheme is not called.</summary>
    [Test, Order(7)]
    public void A_callback_goes_only_to_the_exact_scheme_host_and_port_listed()
    {
        using var elsewhere = new FakeDockerHub();
        var before = _listener.Deploys().Count;
        var callbacks = _hub.Callbacks.Count;

        var otherPort = FakeDockerHub.Send(_listener.Url, _token, FakeDockerHub.Payload(Repository, "v3", _hub.CallbackUrl(Repository, port: elsewhere.Port)));
        var otherScheme = FakeDockerHub.Send(_listener.Url, _token, FakeDockerHub.Payload(Repository, "v3", _hub.CallbackUrl(Repository, scheme: "https")));

        Assert.That(otherPort.Status, Is.EqualTo(202), otherPort.ToString());
        Assert.That(otherPort.Message, Does.EndWith($"callback http://127.0.0.1:{elsewhere.Port} is not in listener.dockerHub.callbackHosts, so it will not be called"));
        Assert.That(otherScheme.Status, Is.EqualTo(202), otherScheme.ToString());
        Assert.That(otherScheme.Message, Does.EndWith($"callback https://127.0.0.1:{_hub.Port} is not in listener.dockerHub.callbackHosts, so it will not be called"));
        var deploy = _listener.WaitForDeploys(before + 1, DeployTime)[^1];
        Assert.That(deploy["state"]!.GetValue<string>(), Is.EqualTo("succeeded"), deploy.ToJsonString());
        Assert.That(Http.VersionAt(HubUrl), Is.EqualTo("v3"), "the pushes themselves were deployed");
        Thread.Sleep(TimeSpan.FromSeconds(1));
        Assert.That(elsewhere.Callbacks, Is.Empty, "another port of the listed host was never called");
        Assert.That(_hub.Callbacks, Has.Count.EqualTo(callbacks), "nor the listed host:port over another scheme");
    }

    private static IEnumerable<TestCaseData> FieldsWithSomethingTrailing() =>
        from field in new[] { "push_data.tag", "push_data.pusher", "repository.repo_name" }
        from trailer in new[] { ("LF", "\n"), ("CR", "\r"), ("TAB", "\t"), ("NUL", "\0"), ("space", " ") }
        select new TestCaseData(field, trailer.Item2).SetName($"A_trailing_{trailer.Item1}_in_{field.Replace('.', '_')}_is_400_naming_the_field");

    /// <summary>Issue 12 §1: .NET's "$" also matches before a final newline; a pushed tag or repository must match whole.</summary>
    [TestCaseSource(nameof(FieldsWithSomethingTrailing))]
    public void A_field_with_something_trailing_is_400_naming_the_field(string field, string trailer)
    {
        var before = _listener.Deploys().Count;
        var payload = JsonNode.Parse(FakeDockerHub.Payload(Repository, "v2", _hub.CallbackUrl(Repository)))!.AsObject();
        var (parent, name) = (payload[field.Split('.')[0]]!.AsObject(), field.Split('.')[1]);
        parent[name] = parent[name]!.GetValue<string>() + trailer;

        var answer = FakeDockerHub.Send(_listener.Url, _token, Encoding.UTF8.GetBytes(payload.ToJsonString()));

        Assert.That(answer.Status, Is.EqualTo(400), answer.ToString());
        Assert.That(answer.Message, Is.EqualTo($"field {field} is not valid"));
        _listener.WaitForOutput($": 400 field {field} is not valid", TimeSpan.FromSeconds(5));
        Assert.That(_listener.WaitForDeploys(before, DeployTime), Has.Count.EqualTo(before), "no deploy started");
    }

    [Test, Order(9)]
    public void An_image_built_before_the_live_one_is_ignored_unless_its_mapping_allows_older()
    {
        var before = _listener.Deploys().Count;
        Assert.That(_hub.Push(_listener.Url, _token, Repository, "v5").Status, Is.EqualTo(202));
        Assert.That(_listener.WaitForDeploys(before + 1, DeployTime)[^1]["state"]!.GetValue<string>(), Is.EqualTo("succeeded"));
        Assert.That(Http.VersionAt(HubUrl), Is.EqualTo("v5"));

        var older = _hub.Push(_listener.Url, _token, Repository, "v2");

        Assert.That(older.Status, Is.EqualTo(202), older.ToString());
        var ignored = _listener.WaitForDeploys(before + 2, DeployTime)[^1];
        Assert.That(ignored["state"]!.GetValue<string>(), Is.EqualTo("ignored"), ignored.ToJsonString());
        Assert.That(ignored["result"]!.GetValue<string>(), Does.StartWith($"ignored: {_registry.Host}/{Repository}:v2 (built ")
            .And.Contain($"is older than the live {_registry.Host}/{Repository}:v5 (built "));
        Assert.That(Http.VersionAt(HubUrl), Is.EqualTo("v5"), "the older image was not deployed");
        Assert.That(_listener.Output, Does.Contain($"Deploy {ignored["id"]!.GetValue<string>()} of {_registry.Host}/{Repository}:v2 to hub was ignored"));

        var allowed = _hub.Push(_listener.Url, _token, Repository, "v1");

        Assert.That(allowed.Status, Is.EqualTo(202), allowed.ToString());
        var deployed = _listener.WaitForDeploys(before + 3, DeployTime)[^1];
        Assert.That(deployed["state"]!.GetValue<string>(), Is.EqualTo("succeeded"), deployed.ToJsonString());
        Assert.That(Http.VersionAt(HubUrl), Is.EqualTo("v1"), "the mapping with allowOlder deployed the older image");
    }
}
