// Webhook benchmark (issue 4, acceptance 4): how fast does the listener acknowledge valid signed pushes
// at 100 requests a second for 10 s, while the deploys they ask for run and coalesce?
//
// It builds a world of its own in a temporary folder (the sample app in a bare origin, a checkout, a
// cake-config.json with a "bench" environment and a listener section), starts the listener through
// ./build.sh --target=Listen and warms it up. Then it sends the load once with nothing to deploy, and
// ROUNDS times with pushes that deploy (each with its own delivery id, naming ever newer commits), open-loop
// on a fixed schedule, measuring each acknowledgement and waiting for the deploys to end after each round.
// It stops the listener with SIGTERM, removes its containers and images, and writes its section of
// bench/RESULTS.md. Traffic goes to 127.0.0.1 only.
//
// Usage (from the repository root): bench/webhook.sh   (RATE=100 DURATION=10 ROUNDS=3 to change the load)

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

var root = args.Length > 0 ? Path.GetFullPath(args[0]) : Directory.GetCurrentDirectory();
var rate = int.Parse(Environment.GetEnvironmentVariable("RATE") ?? "100", CultureInfo.InvariantCulture);
var seconds = int.Parse(Environment.GetEnvironmentVariable("DURATION") ?? "10", CultureInfo.InvariantCulture);
var rounds = int.Parse(Environment.GetEnvironmentVariable("ROUNDS") ?? "3", CultureInfo.InvariantCulture);
const double TargetP99Ms = 50;
const int CommitsPerRound = 10;
const int WarmUp = 200;

var prefix = "kb" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
var world = Path.Combine(Path.GetTempPath(), "kaha-bench", prefix);
var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
var listenerPort = FreePort();
var appPort = FreePort();
Process? listener = null;
var listenerLog = Path.Combine(world, "listener.log");

try
{
    Say($"world: {world}");
    var commits = CreateWorld(CommitsPerRound * rounds);
    var loadBefore = LoadAverage();
    listener = StartListener();
    using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue }) { Timeout = TimeSpan.FromSeconds(30) };
    var hook = new Uri($"http://127.0.0.1:{listenerPort}/hooks/github");

    Say($"warming up with {WarmUp} pushes to a branch that deploys nothing");
    for (var i = 0; i < WarmUp; i++)
    {
        await SendAsync(client, hook, "push", Push(commits[0], "refs/heads/warm-up"));
    }

    // The same load twice over: once with nothing to deploy (the listener's own cost), then while deploys run.
    var phases = new List<Phase> { await MeasureAsync(client, hook, "no deploys (a branch mapped to nothing)", _ => Push(commits[0], "refs/heads/no-deploy"), []) };
    for (var round = 0; round < rounds; round++)
    {
        var first = round * CommitsPerRound;
        var total = rate * seconds;
        phases.Add(await MeasureAsync(client, hook, $"while deploys coalesce, round {round + 1}",
            i => Push(commits[first + i * CommitsPerRound / total]), await DeploysAsync(client)));
    }

    var loadAfter = LoadAverage();
    StopListener();
    WriteResults(phases, commits[^1], loadBefore, loadAfter);
    return 0;
}
catch (Exception ex)
{
    Console.Error.WriteLine($"Error: {ex.Message}");
    if (File.Exists(listenerLog))
    {
        Console.Error.WriteLine(File.ReadAllText(listenerLog));
    }

    return 1;
}
finally
{
    StopListener();
    CleanUp();
}

// ---------------------------------------------------------------------------------------------- the load

// Open loop: push i is due at i/rate seconds whatever the answers before it did. Latency runs from sending to having
// read the whole answer; lag is how late the bench itself sent (the machine, not the listener, when it grows).
async Task<Phase> MeasureAsync(HttpClient client, Uri hook, string name, Func<int, byte[]> body, List<JsonNode> deploysBefore)
{
    var total = rate * seconds;
    Say($"{name}: {total} signed pushes at {rate}/s");
    var results = new Sample[total];
    var inFlight = new List<Task>(total);
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < total; i++)
    {
        var due = TimeSpan.FromSeconds((double)i / rate);
        while (clock.Elapsed < due)
        {
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(2))
            {
                Thread.Sleep(wait - TimeSpan.FromMilliseconds(1));
            }
        }

        var index = i;
        var lag = (clock.Elapsed - due).TotalMilliseconds;
        var payload = body(index);
        inFlight.Add(Task.Run(async () =>
        {
            var started = Stopwatch.GetTimestamp();
            var status = await SendAsync(client, hook, "push", payload);
            results[index] = new Sample(Stopwatch.GetElapsedTime(started).TotalMilliseconds, lag, status);
        }));
    }

    await Task.WhenAll(inFlight);
    var took = clock.Elapsed;
    var deploys = await DeploysAsync(client);
    return new Phase(name, results, took, deploys.Skip(deploysBefore.Count).ToList());
}

// ---------------------------------------------------------------------------------------------- the world

List<string> CreateWorld(int count)
{
    var origin = Path.Combine(world, "origin.git");
    var author = Path.Combine(world, "author");
    Directory.CreateDirectory(world);
    Run(world, "git", "init", "--quiet", "--bare", "--initial-branch=master", origin);
    CopySample(Path.Combine(root, "sample"), author);
    Run(author, "git", "init", "--quiet", "--initial-branch=master");
    var commits = new List<string>();
    for (var i = 0; i < count; i++)
    {
        File.AppendAllText(Path.Combine(author, "README.md"), $"\nbench change {i}\n");
        Run(author, "git", "add", "-A");
        Run(author, "git", "-c", "user.name=Bench", "-c", "user.email=bench@example.invalid", "commit", "--quiet", "-m", $"change {i}");
        commits.Add(Run(author, "git", "rev-parse", "HEAD"));
    }

    Run(author, "git", "push", "--quiet", origin, "master");
    Run(world, "git", "clone", "--quiet", origin, Path.Combine(world, "app"));
    Run(Path.Combine(world, "app"), "git", "checkout", "--quiet", commits[0]);
    Run(Path.Combine(world, "app"), "git", "checkout", "--quiet", "-B", "master");

    var config = new JsonObject
    {
        ["app"] = new JsonObject
        {
            ["name"] = prefix,
            ["folder"] = "app",
            ["port"] = 3000,
            ["baseImages"] = new JsonObject { ["NODE_IMAGE"] = "node:20-bookworm-slim" },
        },
        ["environments"] = new JsonObject
        {
            ["bench"] = new JsonObject
            {
                ["container"] = $"{prefix}_bench",
                ["image"] = $"{prefix}-kaha",
                ["ports"] = new JsonArray($"127.0.0.1:{appPort}:3000"),
                ["gitPull"] = true,
                ["redis"] = new JsonObject
                {
                    ["local"] = new JsonObject
                    {
                        ["container"] = $"{prefix}_bench_redis",
                        ["dataFolder"] = "redis-data",
                        ["password"] = "${BENCH_REDIS_PASSWORD}",
                    },
                },
                ["generatedSecrets"] = new JsonArray("BENCH_REDIS_PASSWORD"),
                ["healthTimeoutSeconds"] = 30,
            },
        },
        ["listener"] = new JsonObject
        {
            ["port"] = listenerPort,
            ["github"] = new JsonObject
            {
                ["secret"] = "${GITHUB_WEBHOOK_SECRET}",
                ["repository"] = "kaha-team/kaha",
                ["branches"] = new JsonObject { ["refs/heads/master"] = "bench" },
                ["allowedNetworks"] = new JsonArray("127.0.0.1/32"),
            },
        },
    };
    File.WriteAllText(Path.Combine(world, "cake-config.json"), config.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    return commits;
}

void CopySample(string from, string to)
{
    foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
    {
        var relative = Path.GetRelativePath(from, file);
        if (relative.StartsWith("node_modules", StringComparison.Ordinal))
        {
            continue;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(to, relative))!);
        File.Copy(file, Path.Combine(to, relative));
    }
}

// ---------------------------------------------------------------------------------------------- the listener

Process StartListener()
{
    Say($"starting the listener on 127.0.0.1:{listenerPort}");
    var start = new ProcessStartInfo("/bin/sh")
    {
        UseShellExecute = false,
        WorkingDirectory = root,
        RedirectStandardInput = true,
    };
    // exec: the listener replaces the shell, so its id is the one to signal; its output goes to a file.
    foreach (var argument in new[] { "-c", "exec \"$0\" --target=Listen --config=\"$1\" >\"$2\" 2>&1", Path.Combine(root, "build.sh"), Path.Combine(world, "cake-config.json"), listenerLog })
    {
        start.ArgumentList.Add(argument);
    }

    start.Environment["GITHUB_WEBHOOK_SECRET"] = secret;
    start.Environment["NO_COLOR"] = "1";
    var process = Process.Start(start)!;
    process.StandardInput.Close();
    using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
    var deadline = DateTime.UtcNow.AddMinutes(2);
    while (true)
    {
        if (process.HasExited)
        {
            throw new InvalidOperationException("the listener exited at start");
        }

        try
        {
            if (probe.GetAsync($"http://127.0.0.1:{listenerPort}/healthz").GetAwaiter().GetResult().IsSuccessStatusCode)
            {
                return process;
            }
        }
        catch (HttpRequestException)
        {
        }

        if (DateTime.UtcNow > deadline)
        {
            throw new TimeoutException("the listener did not answer /healthz within 2 minutes");
        }

        Thread.Sleep(200);
    }
}

void StopListener()
{
    if (listener is null || listener.HasExited)
    {
        return;
    }

    Run(root, "kill", "-TERM", listener.Id.ToString(CultureInfo.InvariantCulture));
    if (!listener.WaitForExit(TimeSpan.FromMinutes(5)))
    {
        listener.Kill(entireProcessTree: true);
    }
}

void CleanUp()
{
    try
    {
        RemoveContainersAndImages();
        Directory.Delete(world, recursive: true);
    }
    catch (Exception ex) when (ex is InvalidOperationException or IOException)
    {
        Say($"cleaning up: {ex.Message}; remove what is named {prefix}* by hand");
    }
}

void RemoveContainersAndImages()
{
    foreach (var container in Run(root, "docker", "ps", "-aq", "--filter", $"name=^{prefix}").Split('\n', StringSplitOptions.RemoveEmptyEntries))
    {
        Run(root, "docker", "rm", "-f", "-v", container);
    }

    foreach (var network in Run(root, "docker", "network", "ls", "-q", "--filter", $"name=^{prefix}").Split('\n', StringSplitOptions.RemoveEmptyEntries))
    {
        Run(root, "docker", "network", "rm", network);
    }

    foreach (var image in Run(root, "docker", "images", "--format", "{{.Repository}}:{{.Tag}}").Split('\n', StringSplitOptions.RemoveEmptyEntries)
                 .Where(i => i.StartsWith(prefix, StringComparison.Ordinal)))
    {
        Run(root, "docker", "rmi", "-f", image);
    }

    // Builds that no tag names any more (a tag moved to a newer build) still carry this run's app label.
    foreach (var image in Run(root, "docker", "images", "-q", "--filter", $"label=org.kaha.app={prefix}").Split('\n', StringSplitOptions.RemoveEmptyEntries).Distinct())
    {
        Run(root, "docker", "rmi", "-f", image);
    }
}

/// <summary>Waits until no deploy runs or waits; returns the deploys that ended, oldest first.</summary>
async Task<List<JsonNode>> DeploysAsync(HttpClient client)
{
    var deadline = DateTime.UtcNow.AddMinutes(10);
    while (DateTime.UtcNow < deadline)
    {
        var status = JsonNode.Parse(await client.GetStringAsync($"http://127.0.0.1:{listenerPort}/status"))!;
        var busy = status["environments"]!.AsArray().Any(e => e!["running"] is not null || e["waiting"] is not null);
        if (!busy)
        {
            return status["deploys"]!.AsArray().Select(d => d!).Reverse().ToList();
        }

        await Task.Delay(500);
    }

    throw new TimeoutException("the deploys did not end within 10 minutes");
}

// ---------------------------------------------------------------------------------------------- GitHub's side

byte[] Push(string sha, string @ref = "refs/heads/master") => Encoding.UTF8.GetBytes(new JsonObject
{
    ["ref"] = @ref,
    ["before"] = new string('0', 40),
    ["after"] = sha,
    ["deleted"] = false,
    ["forced"] = false,
    ["head_commit"] = new JsonObject { ["id"] = sha, ["message"] = "bench" },
    ["pusher"] = new JsonObject { ["name"] = "bench", ["email"] = "bench@example.invalid" },
    ["repository"] = new JsonObject { ["full_name"] = "kaha-team/kaha", ["name"] = "kaha" },
}.ToJsonString());

async Task<int> SendAsync(HttpClient client, Uri url, string @event, byte[] body)
{
    using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
    request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
    request.Headers.Add("X-GitHub-Event", @event);
    request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
    request.Headers.Add("X-GitHub-Hook-ID", "1");
    request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body)));
    using var response = await client.SendAsync(request);
    await response.Content.ReadAsByteArrayAsync();
    return (int)response.StatusCode;
}

// ---------------------------------------------------------------------------------------------- results

void WriteResults(List<Phase> phases, string newest, string loadBefore, string loadAfter)
{
    var underDeploys = phases.Skip(1).ToList();
    var all = underDeploys.SelectMany(p => p.Results).ToArray();
    var p99 = Percentile(all, 99);
    var deploys = underDeploys.SelectMany(p => p.Deploys).ToList();
    var lastDeploy = deploys.LastOrDefault();
    var endedOnNewest = lastDeploy?["sha"]?.GetValue<string>() == newest && lastDeploy?["state"]?.GetValue<string>() == "succeeded";
    // Each round is one run of the issue's load (RATE/s for DURATION s): the target holds for a round or it does not.
    var roundP99s = underDeploys.Select(p => Percentile(p.Results, 99)).ToList();
    var roundsMet = underDeploys.Count(p => Percentile(p.Results, 99) < TargetP99Ms && p.Results.All(r => r.Status == 202));
    var verdict = roundsMet == underDeploys.Count ? "met" : roundsMet == 0 ? "not met" : $"met in {roundsMet} of {underDeploys.Count} rounds";
    var rows = phases.Select(p => Row(p.Name, p.Results, p.Took, p.Deploys.Count))
        .Append(Row($"all {underDeploys.Count} rounds with deploys", all, TimeSpan.FromTicks(underDeploys.Sum(p => p.Took.Ticks)), deploys.Count));
    var deployLines = string.Join("\n", underDeploys.SelectMany(p => p.Deploys.Select(d =>
        $"  - {p.Name}: `{d["id"]}` of `{d["sha"]?.GetValue<string>()?[..12]}`, {d["state"]}, {d["deliveryCount"]} deliveries folded in, " +
        $"{(DateTimeOffset.Parse(d["finishedAt"]!.GetValue<string>(), CultureInfo.InvariantCulture) - DateTimeOffset.Parse(d["startedAt"]!.GetValue<string>(), CultureInfo.InvariantCulture)).TotalSeconds:N1} s")));

    var section = $"""
        <!-- webhook:begin -->
        ## Webhook listener: acknowledgement latency while deploys coalesce

        Target (issue 4): valid signed GitHub pushes at {rate} requests a second for {seconds} s are acknowledged with p99 **< {TargetP99Ms:N0} ms**
        while the deploys they ask for run. Result: **{verdict}**: p99 per round {string.Join(", ", roundP99s.Select(v => $"{v:N1}"))} ms
        ({p99:N1} ms over all {all.Length} pushes sent while deploys ran; {Percentile(phases[0].Results, 99):N1} ms with nothing to deploy).

        | load | pushes | rate kept | bench's send lag, max | p50 | p90 | p99 | max | answers | deploys |
        |---|---|---|---|---|---|---|---|---|---|
        {string.Join("\n", rows)}

        - Each push is a real delivery: its own `X-GitHub-Delivery`, signed with HMAC-SHA256, a push payload naming a commit of a bare origin,
          ever newer within a round. Pushes go open-loop on a fixed schedule (a slow answer does not delay the next push), over pooled
          keep-alive connections from one client on the same machine; latency is from sending to having read the whole answer.
          {WarmUp} signed pushes of an unmapped branch warmed the listener up first and are not counted.
        - The first row is the listener's own cost: the same load, answered `202 ignored`, with nothing deployed. In the other rows the deploys
          ran for real (child processes at a lower CPU priority: git fetch, npm ci, image build, container swap, health check) on the same
          {Environment.ProcessorCount} cores, and coalesced: {deploys.Count} deploy(s) for {all.Length} pushes, the last one
          {(endedOnNewest ? "of the newest commit, succeeded" : "NOT of the newest commit or not successful")}.
        - The bench's send lag is how late its own clock sent a push: when it grows, the whole machine stalled (not only the listener), and
          the pushes in flight at that moment all wait together. On a shared 2-core machine those stalls come with the deploys' container
          work and with whatever else runs; compare the load average.
        - The deploys, in the order they ended:
        {deployLines}

        Machine: {Machine()}; load average {loadBefore} before, {loadAfter} after.
        Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC at commit {Commit()}.

        Produced by `bench/webhook.sh` (from the repository root) with RATE={rate} DURATION={seconds} ROUNDS={rounds}.
        <!-- webhook:end -->
        """;

    var file = Path.Combine(root, "bench", "RESULTS.md");
    var text = File.Exists(file) ? File.ReadAllText(file) : "# Benchmark results\n\nEach section is written by the script named in it; re-run that script to refresh it.\n";
    var begin = text.IndexOf("<!-- webhook:begin -->", StringComparison.Ordinal);
    var end = text.IndexOf("<!-- webhook:end -->", StringComparison.Ordinal);
    text = begin >= 0 && end > begin
        ? text[..begin] + section + text[(end + "<!-- webhook:end -->".Length)..]
        : text.TrimEnd('\n') + "\n\n" + section + "\n";
    File.WriteAllText(file, text);
    Say($"p99 {p99:N1} ms over {all.Length} pushes while deploys ran ({Percentile(phases[0].Results, 99):N1} ms without); {deploys.Count} deploys; wrote the webhook section of bench/RESULTS.md");
}

string Row(string name, Sample[] results, TimeSpan took, int deploys)
{
    var statuses = string.Join(", ", results.GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} × {g.Key}"));
    return $"| {name} | {results.Length} | {results.Length / took.TotalSeconds:N1}/s | {results.Max(r => r.LagMs):N1} ms | {Percentile(results, 50):N1} ms " +
           $"| {Percentile(results, 90):N1} ms | {Percentile(results, 99):N1} ms | {results.Max(r => r.LatencyMs):N1} ms | {statuses} | {deploys} |";
}

static double Percentile(Sample[] results, double p)
{
    var sorted = results.Select(r => r.LatencyMs).Order().ToArray();
    return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
}

string Machine()
{
    var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
    var memory = long.Parse(File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1048576.0;
    var os = File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?.Split('=', 2)[1].Trim('"') ?? "Linux";
    return $"{Environment.ProcessorCount} cores ({cpu}), {memory:N1} GiB memory, {os}, kernel {Environment.OSVersion.Version}; " +
           $".NET {Environment.Version}; Docker engine {Run(root, "docker", "version", "--format", "{{.Server.Version}}")}";
}

string Commit()
{
    var commit = Run(root, "git", "rev-parse", "--short", "HEAD");
    return Run(root, "git", "status", "--porcelain", "--", "build").Length > 0 ? commit + " + uncommitted changes to build/" : commit;
}

static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

static int FreePort()
{
    using var socket = new TcpListener(IPAddress.Loopback, 0);
    socket.Start();
    return ((IPEndPoint)socket.LocalEndpoint).Port;
}

static string Run(string folder, string program, params string[] arguments)
{
    var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder };
    foreach (var argument in arguments)
    {
        start.ArgumentList.Add(argument);
    }

    using var process = Process.Start(start)!;
    var output = process.StandardOutput.ReadToEndAsync();
    var error = process.StandardError.ReadToEndAsync();
    process.WaitForExit();
    return process.ExitCode == 0
        ? output.Result.Trim()
        : throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed: {error.Result.Trim()}");
}

static void Say(string text) => Console.Error.WriteLine($"==> {text}");

internal sealed record Sample(double LatencyMs, double LagMs, int Status);

/// <summary>One load of pushes, its answers, and the deploys that ended during it.</summary>
internal sealed record Phase(string Name, Sample[] Results, TimeSpan Took, List<JsonNode> Deploys);
