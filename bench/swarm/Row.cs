using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text;
using ZeroDowntimeLoad;

namespace SwarmBench;

/// <summary>What one row measured: the load's figures in the idle window and during the command, per node too.</summary>
public sealed record RowResult(
    string Key,
    string Title,
    string Command,
    string Target,
    Stats? Idle,
    Stats? During,
    Stats? Operation,
    IReadOnlyDictionary<string, int> FailedByNode,
    double? CommandSeconds,
    double? AllTargetAfterMs,
    double? LongestWithoutGoodAnswerMs,
    IReadOnlyDictionary<string, double> LongestGapByNode,
    bool NewVersion,
    string? Note,
    string? Error,
    IReadOnlyList<string> FailureSamples)
{
    public static RowResult NotMeasured(string key, string title, string command, string why) =>
        new(key, title, command, "", null, null, null, new Dictionary<string, int>(), null, null, null, new Dictionary<string, double>(), false, null, why, []);
}

/// <summary>
/// One row under load, as bench/zero-downtime.sh measures one: connections warmed up, an idle window (the baseline), the
/// command, then load until the nodes answer only the target version (at most <c>tail</c>).
/// </summary>
public sealed class RowRunner(IReadOnlyList<(string Node, Uri Url)> targets, Settings settings)
{
    /// <param name="target">the version the nodes answer once the command has done its work.</param>
    /// <param name="judged">the nodes whose answers count for "100 % target" and the longest gap (all when null): a node
    /// that is lost on purpose answers nothing, by design.</param>
    /// <param name="newVersion">false when the command keeps the version (a node lost): no time to a new one then.</param>
    public async Task<RowResult> MeasureAsync(string key, string title, string command, string target,
        Func<CancellationToken, Task<string?>> action, CancellationToken cancel, IReadOnlyCollection<string>? judged = null, bool newVersion = true)
    {
        judged ??= targets.Select(t => t.Node).ToList();
        Log.Say($"row {key}: {title}: load on {string.Join(", ", targets.Select(t => t.Url))}");
        var load = new TwoNodeLoad(targets, settings.ConnectionsEach, settings.Interval, settings.Timeout);
        double idleAt, opAt, endAt;
        string? note = null, error = null;
        try
        {
            var readyBy = load.NowMs + 30_000;
            while (!load.AllAnswered && load.NowMs < readyBy)
            {
                await Task.Delay(50, cancel);
            }

            if (!load.AllAnswered)
            {
                throw new InvalidOperationException("not every connection got an answer within 30 s of the load starting");
            }

            await Task.Delay(settings.Warmup, cancel);
            idleAt = load.NowMs;
            await Task.Delay(settings.Idle, cancel);
            opAt = load.NowMs;
            Log.Say($"row {key}: {command}");
            try
            {
                note = await action(cancel);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                error = e.Message;
            }

            endAt = load.NowMs;
            // The tail: until the nodes answer only the target, at least 2 s, at most the setting.
            var tailUntil = endAt + settings.Tail.TotalMilliseconds;
            await Task.Delay(2000, cancel);
            while (load.NowMs < tailUntil && !await AnswersOnlyTargetAsync(target, judged, cancel))
            {
                await Task.Delay(250, cancel);
            }
        }
        finally
        {
            await load.StopAsync();
        }

        var (records, versions) = load.Merged();
        var stopped = records.Count == 0 ? endAt : records.Max(r => r.Record.End);
        List<Record> Started(double from, double to) => records.Where(r => r.Record.Start >= from && r.Record.Start < to).Select(r => r.Record).ToList();
        var operation = records.Where(r => r.Record.Start >= opAt).ToList();
        var judgedRecords = records.Where(r => judged.Contains(r.Node)).Select(r => r.Record).ToList();
        return new RowResult(key, title, command, target,
            Stats.Of(Started(idleAt, opAt), (opAt - idleAt) / 1000, versions),
            Stats.Of(Started(opAt, endAt), (endAt - opAt) / 1000, versions),
            Stats.Of(operation.Select(r => r.Record).ToList(), (stopped - opAt) / 1000, versions),
            targets.ToDictionary(t => t.Node, t => operation.Count(r => r.Node == t.Node && r.Record.Outcome != Outcome.Ok)),
            Math.Round((endAt - opAt) / 1000, 2),
            AllOnTargetAfter(judgedRecords, versions, target, opAt),
            LongestSilence(judgedRecords, opAt, stopped),
            targets.ToDictionary(t => t.Node, t => LongestSilence(records.Where(r => r.Node == t.Node).Select(r => r.Record).ToList(), opAt, stopped)),
            newVersion,
            note, error, load.FailureSamples.Take(20).ToList());
    }

    /// <summary>
    /// Whether the judged nodes answer only the target now: a few requests of its own on new connections to each (the load's
    /// records cannot be read while it runs), four checks in a row, 250 ms apart.
    /// </summary>
    private async Task<bool> AnswersOnlyTargetAsync(string target, IReadOnlyCollection<string> judged, CancellationToken cancel)
    {
        using var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(2) };
        for (var check = 0; check < 4; check++)
        {
            foreach (var (_, url) in targets.Where(t => judged.Contains(t.Node)))
            {
                for (var i = 0; i < 4; i++)
                {
                    try
                    {
                        var answer = await client.GetFromJsonAsync<JsonObject>(url, cancel);
                        if (answer?["version"]?.GetValue<string>() != target)
                        {
                            return false;
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
                    {
                        cancel.ThrowIfCancellationRequested();
                        return false;
                    }
                }
            }

            await Task.Delay(250, cancel);
        }

        return true;
    }

    /// <summary>As the zero-downtime report counts it: from the command to the first target answer after the last other one.</summary>
    private static double? AllOnTargetAfter(List<Record> records, Versions versions, string target, double at)
    {
        var after = records.Where(r => r.End >= at).OrderBy(r => r.End).ToList();
        bool OnTarget(Record r) => r.Outcome == Outcome.Ok && versions.Name(r.Version) == target;
        if (after.Count == 0 || !OnTarget(after[^1]))
        {
            return null;
        }

        var lastOther = after.FindLastIndex(r => !OnTarget(r));
        return Math.Round(after[lastOther + 1].End - at, 1);
    }

    /// <summary>The longest stretch from the command on in which no connection, on any node, got a good answer.</summary>
    private static double LongestSilence(List<Record> records, double from, double to)
    {
        var ends = records.Where(r => r.Outcome == Outcome.Ok && r.End >= from && r.End < to).Select(r => r.End).Order().Prepend(from).Append(to).ToList();
        return Math.Round(ends.Zip(ends.Skip(1), (a, b) => b - a).Max(), 1);
    }
}

public static class Log
{
    public static void Say(string message) => Console.Error.WriteLine($"==> {DateTime.UtcNow:HH:mm:ss} {message}");
}

/// <summary>Markdown of the rows, for bench/swarm.sh to put into its section of RESULTS.md.</summary>
public static class Report
{
    public static string Table(IReadOnlyList<RowResult> rows)
    {
        var text = new StringBuilder();
        var measured = rows.Where(r => r.Operation is not null).ToDictionary(r => r.Key);
        if (measured.TryGetValue("t1", out var a) && measured.TryGetValue("b", out var b))
        {
            // The figures that decide between the designs (swarm-design: the numbers decide what the README says).
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"Design (a) (t1, the tool) against design (b) (by hand): **{a.Operation!.Failed:N0} against {b.Operation!.Failed:N0} failed requests**, p99 during {Ms(a.During?.P99Ms)} against {Ms(b.During?.P99Ms)}, 100 % new version after {Seconds(a.AllTargetAfterMs)} against {Seconds(b.AllTargetAfterMs)}"));
            text.AppendLine(measured.TryGetValue("p", out var p)
                ? string.Create(CultureInfo.InvariantCulture, $"(plain Swarm's update: {p.Operation!.Failed:N0} failed).")
                : ".");
            text.AppendLine();
        }

        text.AppendLine("| row | command | requests | failed (node m / w) | p50 / p99 idle | p50 / p99 during | command | 100 % target after | longest gap, all (m / w) |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var row in rows)
        {
            if (row.Operation is null)
            {
                text.AppendLine($"| {row.Title} | `{row.Command}` | not measured: {Cell(row.Error)} | | | | | | |");
                continue;
            }

            var failed = $"{row.Operation.Failed:N0} ({string.Join(" / ", row.FailedByNode.Values.Select(v => v.ToString("N0", CultureInfo.InvariantCulture)))})";
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {row.Title} | `{row.Command}` | {row.Operation.Requests:N0} | **{failed}** | {Ms(row.Idle?.P50Ms)} / {Ms(row.Idle?.P99Ms)} | {Ms(row.During?.P50Ms)} / {Ms(row.During?.P99Ms)} | {row.CommandSeconds:F1} s | {(row.NewVersion ? Seconds(row.AllTargetAfterMs) : "– (same version)")} | {Seconds(row.LongestWithoutGoodAnswerMs)} ({string.Join(" / ", row.LongestGapByNode.Values.Select(Seconds))}) |"));
        }

        text.AppendLine();
        foreach (var row in rows.Where(r => r.Note is not null || (r.Error is not null && r.Operation is not null)))
        {
            text.AppendLine($"- {row.Title}: {Cell(row.Error is null ? row.Note : $"the command failed: {row.Error}" + (row.Note is null ? "" : $"; {row.Note}"))}");
        }

        return text.ToString();
    }

    private static string Cell(string? text) => (text ?? "").Replace("|", "\\|", StringComparison.Ordinal).Replace('\n', ' ').Trim();

    private static string Ms(double? ms) => ms is null ? "–" : string.Create(CultureInfo.InvariantCulture, $"{ms:F1} ms");

    private static string Seconds(double ms) => Seconds((double?)ms);

    private static string Seconds(double? ms) => ms is null ? "never" : string.Create(CultureInfo.InvariantCulture, $"{ms / 1000:F2} s");
}
