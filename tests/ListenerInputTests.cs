using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using KahaDeploy.Tests.Support;
using KahaDeploy.Services.Webhooks;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// Issue 4, acceptance 1: real HTTP against the running listener. GitHub's test vector verifies; each bad input gets
/// its status, is logged with its delivery id, and starts no deploy.
/// </summary>
[NonParallelizable]
public sealed class ListenerInputTests() : SandboxFixture(SandboxPer.Class)
{
    /// <summary>GitHub's documented example (DESIGN.md §5).</summary>
    private const string VectorSecret = "It's a Secret to Everybody";
    private const string VectorBody = "Hello, World!";
    private const string VectorSignature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    private static readonly IPAddress Stranger = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Proxy = IPAddress.Parse("127.0.0.3");
    private static readonly IPAddress OtherStranger = IPAddress.Parse("127.0.0.4");

    private ListenerProcess _listener = null!;
    private FakeGitHub _github = null!;
    private string _head = null!;
    private string _statusToken = null!;

    protected override void Prepare()
    {
        _statusToken = ListenerConfig.NewSecret("status");
        Sandbox.Secrets["LISTENER_STATUS_TOKEN"] = _statusToken;
        Sandbox.WriteConfig(adjust: config =>
        {
            var listener = ListenerConfig.GitHub(Sandbox, VectorSecret);
            listener["trustedProxies"] = new JsonArray(Proxy.ToString());
            listener["requestTimeoutSeconds"] = 2;
            listener["statusToken"] = "${LISTENER_STATUS_TOKEN}";
            config["listener"] = listener;
        });
        _listener = ListenerProcess.Start(Sandbox, FreePort.OnLoopback());
        _github = new FakeGitHub(_listener.Url, VectorSecret);
        _head = Sandbox.Git(Sandbox.Author, "rev-parse", "HEAD");
    }

    protected override void Stop()
    {
        _github?.Dispose();
        _listener?.Dispose();
    }

    [TearDown]
    public void NoDeployStarted()
    {
        var status = _listener.Status();
        Assert.That(status["deploys"]!.AsArray(), Is.Empty, "no deploy ended");
        Assert.That(status["environments"]!.AsArray().Where(e => e!["running"] is not null || e["waiting"] is not null), Is.Empty, "no deploy runs or waits");
        Assert.That(DockerCli.Containers(Sandbox.Prefix), Is.Empty, "no container was made");
    }

    [Test]
    public void The_GitHub_test_vector_verifies()
    {
        var body = Encoding.UTF8.GetBytes(VectorBody);
        Assert.That(FakeGitHub.Sign(VectorSecret, body), Is.EqualTo(VectorSignature), "the tests sign as GitHub does");

        var answer = _github.Send("ping", body, signature: VectorSignature);

        Assert.That(answer.Status, Is.EqualTo(200), answer.ToString());
        Assert.That(answer.Message, Is.EqualTo("pong"));
        AssertLogged(answer, "200 pong");
    }

    [Test]
    public void Missing_signature_is_401()
    {
        var answer = _github.Send("push", FakeGitHub.PushPayload(_head), signature: "");

        Assert.That(answer.Status, Is.EqualTo(401), answer.ToString());
        AssertLogged(answer, "401 X-Hub-Signature-256 is missing or does not match");
    }

    [Test]
    public void Signature_made_with_another_secret_is_401()
    {
        var body = FakeGitHub.PushPayload(_head);

        var answer = _github.Send("push", body, signature: FakeGitHub.Sign("not the secret", body));

        Assert.That(answer.Status, Is.EqualTo(401), answer.ToString());
        AssertLogged(answer, "401");
    }

    [Test]
    public void Signature_with_the_wrong_prefix_is_401()
    {
        var body = FakeGitHub.PushPayload(_head);
        var rightHex = FakeGitHub.Sign(VectorSecret, body)["sha256=".Length..];

        var answer = _github.Send("push", body, signature: "sha1=" + rightHex);

        Assert.That(answer.Status, Is.EqualTo(401), answer.ToString());
        AssertLogged(answer, "401");
    }

    [Test]
    public void Body_changed_after_signing_is_401()
    {
        var signed = FakeGitHub.PushPayload(_head);
        var changed = FakeGitHub.PushPayload(_head, pusher: "mallory");

        var answer = _github.Send("push", changed, signature: FakeGitHub.Sign(VectorSecret, signed));

        Assert.That(answer.Status, Is.EqualTo(401), answer.ToString());
        AssertLogged(answer, "401");
    }

    [Test]
    public void A_peer_outside_the_allowed_networks_gets_403_without_details()
    {
        var answer = _github.Send("push", FakeGitHub.PushPayload(_head), from: Stranger);

        Assert.That(answer.Status, Is.EqualTo(403));
        Assert.That(answer.Body, Is.Empty, "a refused stranger learns nothing");
        AssertLogged(answer, "from 127.0.0.2: 403 127.0.0.2 is not in listener.github.allowedNetworks");
    }

    [Test]
    public void X_Forwarded_For_from_a_peer_that_is_not_a_trusted_proxy_is_not_believed()
    {
        var answer = _github.Send("push", FakeGitHub.PushPayload(_head), from: OtherStranger, forwardedFor: "127.0.0.1");

        Assert.That(answer.Status, Is.EqualTo(403));
        Assert.That(answer.Body, Is.Empty);
        AssertLogged(answer, "from 127.0.0.4: 403");
    }

    [Test]
    public void X_Forwarded_For_from_a_trusted_proxy_names_the_client()
    {
        var allowed = _github.Send("ping", Encoding.UTF8.GetBytes("{}"), from: Proxy, forwardedFor: "127.0.0.1");
        var refused = _github.Send("ping", Encoding.UTF8.GetBytes("{}"), from: Proxy, forwardedFor: "10.9.8.7");
        // nginx appends the address it saw: a client that forged its own header is still the right-most hop.
        var forged = _github.Send("ping", Encoding.UTF8.GetBytes("{}"), from: Proxy, forwardedFor: "127.0.0.1, 10.9.8.8");

        Assert.That(allowed.Status, Is.EqualTo(200), allowed.ToString());
        AssertLogged(allowed, "from 127.0.0.1: 200 pong");
        Assert.That(refused.Status, Is.EqualTo(403), refused.ToString());
        AssertLogged(refused, "from 10.9.8.7: 403");
        Assert.That(forged.Status, Is.EqualTo(403), forged.ToString());
        AssertLogged(forged, "from 10.9.8.8: 403");
    }

    [Test]
    public void An_oversized_body_is_413_before_it_is_read()
    {
        using var connection = Connect();
        var stopwatch = Stopwatch.StartNew();
        // Announces 2 MiB (the cap is 1 MiB) but sends only the first KiB: the answer must not wait for the rest.
        Send(connection, $"POST /hooks/github HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-GitHub-Event: push\r\n" +
                         $"X-GitHub-Delivery: oversized-1\r\nX-GitHub-Hook-ID: 1\r\nContent-Length: {2 * 1024 * 1024}\r\n\r\n" + new string('x', 1024));

        var answer = ReadAll(connection);

        Assert.That(answer, Does.StartWith("HTTP/1.1 413"));
        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)), "answered without waiting for the body");
        Assert.That(answer, Does.Contain("Connection: close"), "the connection is closed rather than read further");
        _listener.WaitForOutput("github delivery oversized-1 from 127.0.0.1: 413", TimeSpan.FromSeconds(5));
    }

    [Test]
    public void An_oversized_chunked_body_is_413()
    {
        using var connection = Connect();
        Send(connection, "POST /hooks/github HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-GitHub-Delivery: chunked-1\r\n" +
                         "Transfer-Encoding: chunked\r\n\r\n");
        var chunk = $"{64 * 1024:x}\r\n{new string('x', 64 * 1024)}\r\n";
        try
        {
            for (var i = 0; i < 24; i++)
            {
                Send(connection, chunk);
            }
        }
        catch (IOException)
        {
            // The listener may close the connection before all 1.5 MiB are sent: that is the point.
        }

        Assert.That(ReadAll(connection), Does.StartWith("HTTP/1.1 413"));
        _listener.WaitForOutput("github delivery chunked-1 from 127.0.0.1: 413", TimeSpan.FromSeconds(5));
    }

    /// <summary>Issue 12 §7: the limit is on the body; the chunk framing around it does not count.</summary>
    [Test]
    public void A_chunked_body_just_under_the_cap_is_read()
    {
        var push = FakeGitHub.PushPayload(_head, @ref: "refs/heads/feature");
        // JSON allows whitespace after the value: the body is padded to one byte under listener.maxBodyBytes (1 MiB).
        var body = new byte[1024 * 1024 - 1];
        push.CopyTo(body, 0);
        body.AsSpan(push.Length).Fill((byte)' ');
        using var connection = Connect();
        Send(connection, "POST /hooks/github HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-GitHub-Event: push\r\n" +
                         $"X-GitHub-Delivery: chunked-under-cap-1\r\nX-GitHub-Hook-ID: 1\r\nX-Hub-Signature-256: {FakeGitHub.Sign(VectorSecret, body)}\r\n" +
                         "Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n");
        // Small chunks, as a proxy may send them: over 8 KiB of framing around the body.
        foreach (var chunk in body.Chunk(1000))
        {
            Send(connection, $"{chunk.Length:x}\r\n");
            connection.GetStream().Write(chunk);
            Send(connection, "\r\n");
        }

        Send(connection, "0\r\n\r\n");

        Assert.That(ReadAll(connection), Does.StartWith("HTTP/1.1 202"));
        _listener.WaitForOutput("github delivery chunked-under-cap-1 from 127.0.0.1: 202 ignored: refs/heads/feature", TimeSpan.FromSeconds(5));
    }

    [Test]
    public void A_content_type_other_than_json_or_form_is_415()
    {
        var answer = _github.Send("push", FakeGitHub.PushPayload(_head), contentType: "text/plain");

        Assert.That(answer.Status, Is.EqualTo(415), answer.ToString());
        AssertLogged(answer, "415 content type text/plain");
    }

    [Test]
    public void Malformed_json_is_400()
    {
        var answer = _github.Send("push", Encoding.UTF8.GetBytes("{\"ref\": \"refs/heads/master\", "));

        Assert.That(answer.Status, Is.EqualTo(400), answer.ToString());
        Assert.That(answer.Message, Is.EqualTo("malformed JSON"));
        AssertLogged(answer, "400 malformed JSON");
    }

    [Test]
    public void A_push_without_after_is_400()
    {
        var payload = JsonNode.Parse(FakeGitHub.PushPayload(_head))!.AsObject();
        payload.Remove("after");

        var answer = _github.Send("push", Encoding.UTF8.GetBytes(payload.ToJsonString()));

        Assert.That(answer.Status, Is.EqualTo(400), answer.ToString());
        Assert.That(answer.Message, Is.EqualTo("missing field after"));
    }

    [Test]
    public void An_after_that_is_not_40_hex_characters_is_400()
    {
        var answer = _github.Send("push", FakeGitHub.PushPayload("$(touch /tmp/kaha-pwned)"));

        Assert.That(answer.Status, Is.EqualTo(400), answer.ToString());
        Assert.That(answer.Message, Is.EqualTo("field after is not valid"));
        Assert.That(File.Exists("/tmp/kaha-pwned"), Is.False);
    }

    private static readonly (string Name, string Text)[] Trailers = [("LF", "\n"), ("CR", "\r"), ("TAB", "\t"), ("NUL", "\0"), ("space", " ")];

    private static IEnumerable<TestCaseData> FieldsWithSomethingTrailing() =>
        from field in new[] { "after", "ref", "pusher.name", "repository.full_name" }
        from trailer in Trailers
        select new TestCaseData(field, trailer.Text).SetName($"A_trailing_{trailer.Name}_in_{field.Replace('.', '_')}_is_400_naming_the_field");

    /// <summary>Issue 12 §1: .NET's "$" also matches before a final newline; every field must match whole.</summary>
    [TestCaseSource(nameof(FieldsWithSomethingTrailing))]
    public void A_field_with_something_trailing_is_400_naming_the_field(string field, string trailer)
    {
        var payload = JsonNode.Parse(FakeGitHub.PushPayload(_head))!.AsObject();
        var path = field.Split('.');
        var parent = path.Length == 1 ? payload : payload[path[0]]!.AsObject();
        parent[path[^1]] = parent[path[^1]]!.GetValue<string>() + trailer;

        var answer = _github.Send("push", Encoding.UTF8.GetBytes(payload.ToJsonString()));

        Assert.That(answer.Status, Is.EqualTo(400), answer.ToString());
        Assert.That(answer.Message, Is.EqualTo($"field {field} is not valid"));
        AssertLogged(answer, $"400 field {field} is not valid");
        Assert.That(File.Exists(Path.Combine(Sandbox.StateFolder("prod"), "history.jsonl")), Is.False, "no run was recorded");
    }

    private static IEnumerable<TestCaseData> FieldsThatAreNotText() =>
        from field in new[] { "after", "ref", "pusher.name", "repository.full_name" }
        from bad in new[] { ("invalid_UTF8", new byte[] { 0xC3, 0x28, 0xFF }), ("a_lone_surrogate", "\\ud800"u8.ToArray()) }
        select new TestCaseData(field, bad.Item2).SetName($"{bad.Item1}_in_{field.Replace('.', '_')}_is_400_naming_the_field");

    /// <summary>Issue 12 §2: the JSON parser leaves string contents alone; such a field once threw past every check (500).</summary>
    [TestCaseSource(nameof(FieldsThatAreNotText))]
    public void A_field_that_is_not_text_is_400_naming_the_field(string field, byte[] bad)
    {
        var payload = JsonNode.Parse(FakeGitHub.PushPayload(_head))!.AsObject();
        var path = field.Split('.');
        var parent = path.Length == 1 ? payload : payload[path[0]]!.AsObject();
        parent[path[^1]] = "BAD-TEXT-HERE";
        var json = Encoding.UTF8.GetBytes(payload.ToJsonString());
        var at = json.AsSpan().IndexOf("BAD-TEXT-HERE"u8);
        byte[] body = [.. json[..at], .. bad, .. json[(at + "BAD-TEXT-HERE".Length)..]];

        var answer = _github.Send("push", body);

        Assert.That(answer.Status, Is.EqualTo(400), answer.ToString());
        Assert.That(answer.Message, Is.EqualTo($"field {field} is not valid UTF-8 text"));
        AssertLogged(answer, $"400 field {field} is not valid UTF-8 text");
    }

    [Test]
    public void Missing_delivery_headers_are_400()
    {
        var body = FakeGitHub.PushPayload(_head);

        var answer = _github.Send("push", body, delivery: "not a valid id!");

        Assert.That(answer.Status, Is.EqualTo(400), answer.ToString());
        _listener.WaitForOutput("github delivery (no valid X-GitHub-Delivery) from 127.0.0.1: 400", TimeSpan.FromSeconds(5));
    }

    private static IEnumerable<TestCaseData> PushesThatDeployNothing()
    {
        yield return new TestCaseData("refs/tags/v1.0", false, FakeGitHub.Repository, "ignored: a tag push (refs/tags/v1.0)")
            .SetName("A_tag_push_is_ignored");
        yield return new TestCaseData("refs/heads/feature", false, FakeGitHub.Repository,
                "ignored: refs/heads/feature is not mapped to an environment (listener.github.branches)")
            .SetName("A_push_to_another_branch_is_ignored");
        yield return new TestCaseData("refs/heads/master", true, FakeGitHub.Repository, "ignored: refs/heads/master was deleted")
            .SetName("A_deleted_branch_is_ignored");
        yield return new TestCaseData("refs/heads/master", false, "someone/else", "ignored: a push to someone/else, not kaha-team/kaha")
            .SetName("A_push_to_another_repository_is_ignored");
        // A branch name may hold braces: the log must show it as it is.
        yield return new TestCaseData("refs/heads/x{0}{1}", false, FakeGitHub.Repository,
                "ignored: refs/heads/x{0}{1} is not mapped to an environment (listener.github.branches)")
            .SetName("Payload_text_is_logged_as_text");
    }

    [TestCaseSource(nameof(PushesThatDeployNothing))]
    public void Pushes_that_deploy_nothing_are_202_ignored(string @ref, bool deleted, string repository, string expected)
    {
        var answer = _github.Send("push", FakeGitHub.PushPayload(deleted ? new string('0', 40) : _head, @ref, deleted, repository: repository));

        Assert.That(answer.Status, Is.EqualTo(202), answer.ToString());
        Assert.That(answer.Message, Is.EqualTo(expected));
        AssertLogged(answer, $"202 {expected}");
    }

    [Test]
    public void Other_events_are_ignored()
    {
        var answer = _github.Send("issues", Encoding.UTF8.GetBytes("{\"action\": \"opened\"}"));

        Assert.That(answer.Status, Is.EqualTo(202), answer.ToString());
        Assert.That(answer.Message, Is.EqualTo("ignored: issues"));
    }

    [Test]
    public void A_form_encoded_payload_is_read_from_its_payload_field()
    {
        var json = Encoding.UTF8.GetString(FakeGitHub.PushPayload(_head, @ref: "refs/heads/feature"));
        var form = Encoding.UTF8.GetBytes("payload=" + Uri.EscapeDataString(json));

        var answer = _github.Send("push", form, contentType: "application/x-www-form-urlencoded");

        Assert.That(answer.Status, Is.EqualTo(202), answer.ToString());
        Assert.That(answer.Message, Does.StartWith("ignored: refs/heads/feature"), "the payload was parsed");
    }

    [Test]
    public void An_unknown_path_is_an_empty_404_and_other_methods_on_hooks_are_405()
    {
        using var client = new HttpClient();
        using var unknown = client.PostAsync(new Uri(_listener.Url, "hooks/gitlab"), new StringContent("{}")).GetAwaiter().GetResult();
        using var get = client.GetAsync(new Uri(_listener.Url, "hooks/github")).GetAwaiter().GetResult();

        Assert.That((int)unknown.StatusCode, Is.EqualTo(404));
        Assert.That(unknown.Content.ReadAsStringAsync().GetAwaiter().GetResult(), Is.Empty);
        Assert.That(unknown.Headers.Contains("Server"), Is.False, "not even the server's name");
        Assert.That((int)get.StatusCode, Is.EqualTo(405));
    }

    [Test]
    public void A_client_that_sends_its_headers_too_slowly_is_cut_off()
    {
        using var connection = Connect();
        var stopwatch = Stopwatch.StartNew();
        Send(connection, "POST /hooks/github HTTP/1.1\r\nHost: 127.0.0.1\r\n");

        var answer = ReadAll(connection);

        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(8)), "requestTimeoutSeconds is 2");
        Assert.That(answer, Is.Empty.Or.StartWith("HTTP/1.1 408"));
    }

    [Test]
    public void A_client_that_sends_its_body_too_slowly_gets_408()
    {
        using var connection = Connect();
        var stopwatch = Stopwatch.StartNew();
        Send(connection, "POST /hooks/github HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-GitHub-Delivery: slow-body-1\r\n" +
                         "Content-Length: 1000\r\n\r\n{\"ref\": ");

        var answer = ReadAll(connection);

        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(8)), "requestTimeoutSeconds is 2");
        Assert.That(answer, Does.StartWith("HTTP/1.1 408"));
        _listener.WaitForOutput("github delivery slow-body-1 from 127.0.0.1: 408", TimeSpan.FromSeconds(5));
    }

    [Test]
    public void Health_and_status_answer_without_secrets()
    {
        using var client = new HttpClient();
        var health = client.GetStringAsync(new Uri(_listener.Url, "healthz")).GetAwaiter().GetResult();
        var status = _listener.Status();

        Assert.That(health, Is.EqualTo("ok"));
        Assert.That(status["environments"]!.AsArray().Select(e => e!["environment"]!.GetValue<string>()), Is.EqualTo(new[] { "dev", "backing", "prod" }));
        Assert.That(status.ToJsonString(), Does.Not.Contain(VectorSecret));
        foreach (var secret in Sandbox.Secrets.Values)
        {
            Assert.That(status.ToJsonString(), Does.Not.Contain(secret!));
        }
    }

    /// <summary>Issue 12 §5: /status names commits, pushers and clients; nginx in front forwards outsiders (trusted proxy).</summary>
    [Test]
    public void Status_answers_the_loopback_and_a_bearer_of_the_status_token_and_nobody_else()
    {
        var outsider = Get("status", from: Proxy, forwardedFor: "10.9.8.1");
        var wrongToken = Get("status", from: Proxy, forwardedFor: "10.9.8.1", bearer: ListenerConfig.NewSecret("status"));
        var bearer = Get("status", from: Proxy, forwardedFor: "10.9.8.1", bearer: _statusToken);
        var local = Get("status", from: IPAddress.Loopback);

        Assert.That(outsider, Is.EqualTo((404, "")), "an outsider learns nothing, not even that /status exists");
        Assert.That(wrongToken, Is.EqualTo((404, "")));
        Assert.That(bearer.Status, Is.EqualTo(200), bearer.Body);
        Assert.That(JsonNode.Parse(bearer.Body)!["environments"], Is.Not.Null);
        Assert.That(local.Status, Is.EqualTo(200), local.Body);
        _listener.WaitForOutput("status asked by 10.9.8.1: 404, not the loopback and no valid listener.statusToken", TimeSpan.FromSeconds(5));
        Assert.That(_listener.Output, Does.Not.Contain(_statusToken));
    }

    /// <summary>Issue 12 §5: Kestrel decodes %2e and removes dot segments before routing; no such path reaches another endpoint.</summary>
    [TestCase("/hooks/%2e%2e/status")]
    [TestCase("/hooks/%2E%2E/status")]
    [TestCase("/hooks/github/%2e%2e/%2e%2e/status")]
    [TestCase("/hooks/dockerhub/%2e%2e%2f%2e%2e%2fstatus")]
    [TestCase("/hooks/../status")]
    [TestCase("/%2fstatus")]
    public void A_path_with_encoded_dots_or_slashes_is_400_and_reaches_no_endpoint(string path)
    {
        using var connection = Connect();
        Send(connection, $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");

        var answer = ReadAll(connection);

        Assert.That(answer, Does.StartWith("HTTP/1.1 400"));
        Assert.That(answer, Does.Not.Contain("environments"), "not the status");
    }

    /// <summary>Issue 12 §5: however often /status is asked, the engine is read at most once a second.</summary>
    [Test]
    public void Status_reads_the_engine_at_most_once_a_second()
    {
        var reads = Enumerable.Range(0, 20).Select(_ => _listener.Status()["engineReadAt"]!.GetValue<DateTimeOffset>()).ToList();
        Thread.Sleep(TimeSpan.FromSeconds(1.2));
        var later = _listener.Status()["engineReadAt"]!.GetValue<DateTimeOffset>();

        Assert.That(reads.Distinct().Count(), Is.LessThanOrEqualTo(2), "twenty calls in well under two seconds share their reads");
        Assert.That(later, Is.GreaterThan(reads.Max()), "a second later the engine is read again");
    }

    /// <summary>Issue 12 §7: junk from outside the allowed networks is one line per address per minute, and stays out of /status.</summary>
    [Test]
    public void Unsigned_junk_from_outside_is_logged_once_per_address()
    {
        var answers = Enumerable.Range(0, 25).Select(_ => _github.Send("push", Encoding.UTF8.GetBytes("junk"), signature: "", from: Proxy, forwardedFor: "10.20.30.40")).ToList();
        var another = _github.Send("push", Encoding.UTF8.GetBytes("junk"), signature: "", from: Proxy, forwardedFor: "10.20.30.41");

        Assert.That(answers.Select(a => (a.Status, a.Body)).Distinct(), Is.EqualTo(new[] { (403, "") }));
        AssertLogged(another, "from 10.20.30.41: 403");
        Assert.That(ProcessResult.Lines(_listener.Output).Count(line => line.Contains("from 10.20.30.40: 403", StringComparison.Ordinal)), Is.EqualTo(1));
        Assert.That(_listener.Status()["deliveries"]!.AsArray().Count(d => d!["client"]?.GetValue<string>() == "10.20.30.40"), Is.EqualTo(1),
            "the real decisions stay in /status");
    }

    [Test]
    public void After_a_minute_the_next_refusal_from_an_address_is_logged_with_the_count_of_those_in_between()
    {
        // The minute is the listener's clock's: this one is moved by hand instead of a test waiting a real minute.
        var clock = new HandClock(new DateTimeOffset(2026, 12, 6, 4, 0, 0, TimeSpan.Zero));
        var refusals = new RefusalLog(clock);

        Assert.That(refusals.Note("10.20.30.40"), Is.EqualTo(""), "the first refusal from an address is logged");
        Assert.That(Enumerable.Range(0, 24).Select(_ => refusals.Note("10.20.30.40")), Has.All.Null, "the rest of the minute only counted");
        Assert.That(refusals.Note("10.20.30.41"), Is.EqualTo(""), "another address has a minute of its own");

        clock.Now += TimeSpan.FromSeconds(59);
        Assert.That(refusals.Note("10.20.30.40"), Is.Null);
        clock.Now += TimeSpan.FromSeconds(2);
        Assert.That(refusals.Note("10.20.30.40"), Is.EqualTo(" (25 more from 10.20.30.40 since 04:00:00 UTC, not logged one by one)"));
        Assert.That(refusals.Note("10.20.30.40"), Is.Null, "and a new minute starts");
    }

    private sealed class HandClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>A GET from <paramref name="from"/>, through a proxy when <paramref name="forwardedFor"/> is set: the status and the body.</summary>
    private (int Status, string Body) Get(string path, IPAddress from, string? forwardedFor = null, string? bearer = null)
    {
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellation) =>
            {
                var socket = new Socket(from.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(from, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellation);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var client = new HttpClient(handler);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_listener.Url, path));
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        }

        using var response = client.Send(request);
        return ((int)response.StatusCode, response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
    }

    /// <summary>The listener's log line for this delivery: "github delivery ID from CLIENT: STATUS MESSAGE".</summary>
    private void AssertLogged(HookResponse answer, string decision) =>
        _listener.WaitUntil(
            () => ProcessResult.Lines(_listener.Output).Any(line => line.StartsWith($"github delivery {answer.Delivery} from ", StringComparison.Ordinal) && line.Contains(decision)),
            TimeSpan.FromSeconds(5),
            $"a log line for delivery {answer.Delivery} with \"{decision}\"");

    private TcpClient Connect()
    {
        var client = new TcpClient();
        client.Connect(IPAddress.Loopback, _listener.Url.Port);
        client.ReceiveTimeout = 15_000;
        return client;
    }

    private static void Send(TcpClient client, string text) => client.GetStream().Write(Encoding.ASCII.GetBytes(text));

    /// <summary>Everything the listener sends until it closes the connection.</summary>
    private static string ReadAll(TcpClient client)
    {
        var received = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            int read;
            while ((read = client.GetStream().Read(buffer)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            // A reset after the answer is as good as a close.
        }

        return Encoding.ASCII.GetString(received.ToArray());
    }
}
