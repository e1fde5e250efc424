using System.Globalization;
using System.Net;
using System.Text.Json;
using ZeroDowntimeLoad;

// zero-downtime-load: the load generator of bench/zero-downtime.sh.
//
//   zero-downtime-load run --url=http://127.0.0.1:PORT/version --connections=32 --interval-ms=20 --timeout-ms=5000
//                          --marks=FILE --stop-file=FILE --summary=FILE [--ready-file=FILE] [--raw=FILE] [--max-seconds=600]
//   zero-downtime-load self-test [--summary=FILE]
//
// run: keeps N keep-alive connections busy until the stop file appears (or --max-seconds pass), then reads the marks the
// driver wrote meanwhile and writes a JSON summary: idle and during-the-command latency, failures by kind, and for each
// switch the time until 100 % of answers came from the target version. Only loopback addresses are accepted.
var options = Options.Parse(args.Skip(1));
var json = new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true };
switch (args.FirstOrDefault())
{
    case "run":
        return await RunAsync(options, json);
    case "self-test":
        var result = await SelfTest.RunAsync();
        var text = JsonSerializer.Serialize(result, json);
        if (options.Get("summary") is { } file)
        {
            await File.WriteAllTextAsync(file, text);
        }

        Console.WriteLine(text);
        return result.Passed ? 0 : 1;
    default:
        Console.Error.WriteLine("usage: zero-downtime-load run --url=URL --marks=FILE --stop-file=FILE --summary=FILE [...] | self-test");
        return 2;
}

static async Task<int> RunAsync(Options options, JsonSerializerOptions json)
{
    var url = new Uri(options.Require("url"));
    if (url.Scheme != "http" || !IPAddress.TryParse(url.Host, out var address) || !IPAddress.IsLoopback(address))
    {
        Console.Error.WriteLine($"Error: --url must be http:// on a loopback address (127.0.0.1), not {url}.");
        return 2;
    }

    var connections = options.Int("connections", 32);
    var interval = TimeSpan.FromMilliseconds(options.Double("interval-ms", 20));
    var timeout = TimeSpan.FromMilliseconds(options.Double("timeout-ms", 5000));
    var maxRun = TimeSpan.FromSeconds(options.Double("max-seconds", 600));
    var stopFile = options.Require("stop-file");
    var marksFile = options.Require("marks");
    var summaryFile = options.Require("summary");
    var readyFile = options.Get("ready-file");

    var clock = new Clock();
    var load = new Load(url, connections, interval, timeout, clock);
    using var stop = new CancellationTokenSource();
    var started = clock.NowMs;
    var running = load.RunAsync(stop.Token);

    // Ready once every connection has had a good answer (or after 15 s, whatever the state: the summary will tell).
    var readyBy = started + 15_000;
    while (load.ConnectionsAnswered < connections && clock.NowMs < readyBy && !File.Exists(stopFile))
    {
        await Task.Delay(20);
    }

    if (readyFile is not null)
    {
        // Written aside, then renamed: the script waits for the file to appear and must never read it half written.
        await File.WriteAllTextAsync(readyFile + ".tmp", $"{load.ConnectionsAnswered}/{connections} connections answered\n");
        File.Move(readyFile + ".tmp", readyFile, overwrite: true);
    }

    while (!File.Exists(stopFile) && clock.NowMs - started < maxRun.TotalMilliseconds)
    {
        await Task.Delay(25);
    }

    var stopped = clock.NowMs;
    await stop.CancelAsync();
    await running;

    var marks = File.Exists(marksFile) ? Mark.Read(marksFile) : [];
    var summary = Summary.Compute(load, marks, started, stopped, url, connections, interval, timeout);
    await File.WriteAllTextAsync(summaryFile, JsonSerializer.Serialize(summary, json));
    if (options.Get("raw") is { } raw)
    {
        await using var writer = new StreamWriter(raw);
        await writer.WriteLineAsync("start_ms,end_ms,outcome,status,version,new_connection,found_closed");
        foreach (var r in load.Records.OrderBy(r => r.Start))
        {
            await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{r.Start:F3},{r.End:F3},{r.Outcome},{r.Status},{load.Versions.Name(r.Version)},{(r.NewConnection ? 1 : 0)},{(r.FoundClosed ? 1 : 0)}"));
        }
    }

    Console.Error.WriteLine($"zero-downtime-load: {summary.WholeRun.Requests} requests, {summary.WholeRun.Failed} failed, over {summary.WholeRun.Seconds:F1} s on {connections} connections");
    return 0;
}

internal sealed class Options(Dictionary<string, string> values)
{
    public static Options Parse(IEnumerable<string> args) =>
        new(args.Where(a => a.StartsWith("--", StringComparison.Ordinal) && a.Contains('='))
            .Select(a => a[2..].Split('=', 2))
            .ToDictionary(p => p[0], p => p[1]));

    public string? Get(string name) => values.GetValueOrDefault(name);

    public string Require(string name) => Get(name) ?? throw new ArgumentException($"--{name}=... is required");

    public int Int(string name, int fallback) => Get(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) => Get(name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
