using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using KahaDeploy.Tests.Support;
using SwarmBench;

// swarm-bench: the driver of bench/swarm.sh. Builds a two-node swarm with a registry (the tests' harness), runs the rows
// under load on both nodes' public ports, writes OUT/rows.md (the table) and OUT/rows.json, and tears the swarm down,
// also on failure, SIGINT or SIGTERM.
//
//   swarm-bench --out=DIR [--rows=p,b,t1,t2,t3]
var options = args.Where(a => a.StartsWith("--", StringComparison.Ordinal) && a.Contains('='))
    .Select(a => a[2..].Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
if (!options.TryGetValue("out", out var outDir))
{
    Console.Error.WriteLine("usage: swarm-bench --out=DIR [--rows=p,b,t1,t2,t3]");
    return 2;
}

var wanted = (options.GetValueOrDefault("rows") ?? "p,b,t1,t2,t3").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
var settings = Settings.FromEnvironment();
using var cancel = new CancellationTokenSource();
// Ctrl-C and kill: stop measuring, then tear down as on success (the finally below), never leave a node behind.
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

Directory.CreateDirectory(outDir);
var rows = new List<RowResult>();
TwoNodeSwarm? swarm = null;
var status = 0;
try
{
    var clock = Stopwatch.StartNew();
    swarm = new TwoNodeSwarm();
    Log.Say($"two-node swarm up in {clock.Elapsed.TotalSeconds:F1} s (manager {swarm.Manager.Address}, worker {swarm.Worker.Address}, registry {swarm.Registry})");
    var docker = new SwarmDocker(swarm);
    var images = new Images(swarm, docker);
    if (wanted.Contains("p"))
    {
        rows.Add(await PlainSwarm.MeasureAsync(swarm, docker, settings, images, cancel.Token));
    }

    if (wanted.Contains("b"))
    {
        rows.Add(await BlueGreen.MeasureAsync(swarm, docker, settings, images, cancel.Token));
    }

    // Last: t3 loses a node for good.
    if (wanted.Any(row => row.StartsWith('t')))
    {
        using var tool = new ToolRows(swarm, docker, settings, outDir);
        rows.AddRange(await tool.MeasureAsync(wanted, cancel.Token));
    }
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Log.Say("stopped: tearing the swarm down");
    status = 130;
}
catch (Exception e)
{
    Console.Error.WriteLine($"Error: {e.Message}");
    status = 1;
}
finally
{
    if (swarm is not null)
    {
        var clock = Stopwatch.StartNew();
        swarm.Dispose();
        Log.Say($"swarm torn down in {clock.Elapsed.TotalSeconds:F1} s");
    }
}

await File.WriteAllTextAsync(Path.Combine(outDir, "rows.md"), Report.Table(rows));
await File.WriteAllTextAsync(Path.Combine(outDir, "rows.json"),
    JsonSerializer.Serialize(rows, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
return status != 0 ? status : rows.Any(r => r.Error is not null) ? 1 : 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    cancel.Cancel();
}

namespace SwarmBench
{
    /// <summary>The load and windows, from the environment bench/swarm.sh passes on.</summary>
    public sealed record Settings(int ConnectionsEach, TimeSpan Interval, TimeSpan Timeout, TimeSpan Warmup, TimeSpan Idle, TimeSpan Tail)
    {
        public static Settings FromEnvironment()
        {
            static double Number(string name, double fallback) =>
                Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
            return new Settings(
                (int)Number("CONNECTIONS", 32) / 2,
                TimeSpan.FromMilliseconds(Number("INTERVAL_MS", 20)),
                TimeSpan.FromMilliseconds(Number("TIMEOUT_MS", 5000)),
                TimeSpan.FromSeconds(Number("WARMUP_SECONDS", 10)),
                TimeSpan.FromSeconds(Number("IDLE_SECONDS", 8)),
                TimeSpan.FromSeconds(Number("TAIL_SECONDS", 30)));
        }
    }

    /// <summary>The docker CLI against one of the swarm's engines, with the harness's registry login, cancellable.</summary>
    public sealed class SwarmDocker(TwoNodeSwarm swarm)
    {
        public Task<string> OnManagerAsync(CancellationToken cancel, params string[] arguments) =>
            Command.RunAsync(cancel, "docker", ["-H", swarm.Manager.DockerHost, "--config", swarm.CliConfig, .. arguments]);
    }

    public static class Command
    {
        /// <summary>Runs a program to its end (killed with its children on cancel); its output, or an exception quoting its error.</summary>
        public static async Task<string> RunAsync(CancellationToken cancel, string program, params string[] arguments)
        {
            // A service that never converges keeps `docker service create --detach=false` waiting for ever.
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            limit.CancelAfter(TimeSpan.FromMinutes(3));
            var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                if (cancel.IsCancellationRequested)
                {
                    throw;
                }

                throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not end within 3 minutes");
            }

            return process.ExitCode == 0
                ? (await stdout).Trim()
                : throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed (exit {process.ExitCode}): {(await stderr).Trim()} {(await stdout).Trim()}".Trim());
        }
    }
}
