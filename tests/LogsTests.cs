using System.Text.Json.Nodes;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>Issue 5, acceptance 5: Logs shows the app's own output from the engine, and --log-format=json prints JSON lines.</summary>
[NonParallelizable]
public sealed class LogsTests() : SandboxFixture(SandboxPer.Class)
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(5) };

    protected override void Prepare()
    {
        Sandbox.WriteConfig();

        // Requests whose URL says "stderr" are logged there, so the two streams are both exercised.
        Sandbox.CommitInCheckout("log each request", dir =>
        {
            var server = Path.Combine(dir, "server.js");
            File.WriteAllText(server, File.ReadAllText(server).Replace(
                "  req.resume(); // no endpoint reads a body",
                "  (req.url.includes('stderr') ? console.error : console.log)(`request ${req.method} ${req.url}`);\n  req.resume();"));
        });
        var deploy = Sandbox.Tool("--target=Deploy", "--env=dev");
        Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.ToString());
    }

    [Test]
    public void Tail_shows_the_apps_last_lines_and_nothing_else_on_stdout()
    {
        var expected = Request("tail-1", "tail-2", "tail-3", "tail-4&stderr", "tail-5", "tail-6", "tail-7").Skip(2).ToList();

        var result = Sandbox.Tool("--target=Logs", "--env=dev", "--tail=5");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(ProcessResult.Lines(result.StdOut).Where(l => l.Length > 0), Is.EqualTo(expected));
    }

    [Test]
    public void Tail_with_log_format_json_prints_one_object_per_line()
    {
        var expected = Request("json-1", "json-2&stderr", "json-3");

        var result = Sandbox.Tool("--target=Logs", "--env=dev", "--tail=3", "--log-format=json");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var lines = JsonLines(result.StdOut);
        Assert.That(lines.Select(l => l["message"]!.GetValue<string>()), Is.EqualTo(expected));
        Assert.That(lines.Select(l => l["stream"]!.GetValue<string>()), Is.EqualTo(new[] { "stdout", "stderr", "stdout" }));
        Assert.That(lines.Select(l => l["container"]!.GetValue<string>()), Has.All.EqualTo(Sandbox.DevContainer));
        Assert.That(lines.Select(l => DateTimeOffset.Parse(l["time"]!.GetValue<string>())),
            Has.All.InRange(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow), "when the engine received each line");
    }

    [Test]
    public void Since_shows_only_what_came_after()
    {
        Request("before");
        Thread.Sleep(1500);
        var since = DateTimeOffset.UtcNow;
        Thread.Sleep(500);
        var expected = Request("after-1", "after-2");

        var result = Sandbox.Tool("--target=Logs", "--env=dev", $"--since={since:O}");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(ProcessResult.Lines(result.StdOut).Where(l => l.Length > 0), Is.EqualTo(expected));
    }

    [Test]
    public void Follow_streams_new_lines_as_the_app_writes_them()
    {
        var earlier = Request("before-follow").Single();
        using var follow = Sandbox.StartTool("--target=Logs", "--env=dev", "--tail=1", "--follow");
        WaitFor(follow, earlier);

        var later = Request("while-following").Single();

        WaitFor(follow, later);
        Assert.That(follow.WaitForExit(TimeSpan.FromMilliseconds(500)), Is.False, "it keeps following until stopped");
    }

    [Test]
    public void Log_format_json_makes_every_line_of_a_deploy_a_json_object()
    {
        // Without node_modules npm ci runs again, so the deploy has a program's output to show as JSON too.
        Directory.Delete(Path.Combine(Sandbox.Checkout, "node_modules"), recursive: true);
        var result = Sandbox.Tool("--target=Deploy", "--env=dev", "--log-format=json");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var lines = JsonLines(result.StdOut);
        Assert.That(lines, Has.Count.GreaterThan(20));
        Assert.That(lines.Select(l => l["level"]!.GetValue<string>()).Distinct(), Is.SubsetOf(new[] { "information", "warning", "error" }));
        var messages = lines.Select(l => l["message"]!.GetValue<string>()).ToList();
        Assert.That(messages, Has.Some.StartsWith("Release version "), "the tool's own messages");
        Assert.That(messages, Has.Some.Match(@"^added \d+ packages"), "the output of the programs it runs");

        var history = Sandbox.Tool("--target=History", "--env=dev", "--log-format=json");
        Assert.That(history.ExitCode, Is.EqualTo(0), history.ToString());
        Assert.That(history.StdErr, Does.Contain("succeeded"), "the table goes to stderr");
        Assert.That(JsonLines(history.StdOut), Has.All.ContainKey("message"), "stdout stays JSON lines");
    }

    /// <summary>Asks the app for /version?n=ID for each id, in order; returns the lines the app logs for them.</summary>
    private List<string> Request(params string[] ids)
    {
        for (var i = 0; i < ids.Length; i++)
        {
            // The engine reads stdout and stderr on two pipes and times each line as it arrives, so a line of one stream can
            // overtake the line of the other just before it; a pause where the stream changes keeps them in the order written.
            if (i > 0 && FromStderr(ids[i]) != FromStderr(ids[i - 1]))
            {
                Thread.Sleep(200);
            }

            Client.GetStringAsync(new Uri(Sandbox.DevUrl, $"/version?n={ids[i]}")).GetAwaiter().GetResult();
        }

        return ids.Select(id => $"request GET /version?n={id}").ToList();
    }

    private static bool FromStderr(string id) => id.EndsWith("&stderr", StringComparison.Ordinal);

    /// <summary>Every non-empty line of <paramref name="stdout"/> parsed as a JSON object (the test fails on any other line).</summary>
    private static List<JsonObject> JsonLines(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!.AsObject()).ToList();

    private static void WaitFor(Tool.Running run, string line)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!run.Output.Contains(line, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Logs --follow never printed \"{line}\"; it printed:\n{run.Output}");
            }

            Thread.Sleep(100);
        }
    }
}
