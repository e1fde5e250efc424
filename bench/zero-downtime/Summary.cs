using System.Globalization;

namespace ZeroDowntimeLoad;

/// <summary>
/// A line the driver appends to the marks file while the load runs: "EPOCH_SECONDS KIND [ARGUMENT]" (bash's $EPOCHREALTIME).
/// Kinds: idle (the idle window starts), op TARGET (the command starts; 100 % of answers should come from TARGET),
/// switch TARGET (one more switch inside the same operation), phase NAME (a part of the operation starts), end (the command returned).
/// </summary>
public sealed record Mark(double AtMs, string Kind, string Argument)
{
    public static IReadOnlyList<Mark> Read(string file) =>
        File.ReadAllLines(file)
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line =>
            {
                var parts = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
                return new Mark(double.Parse(parts[0], CultureInfo.InvariantCulture) * 1000, parts[1], parts.Length > 2 ? parts[2] : "");
            })
            .OrderBy(m => m.AtMs)
            .ToList();
}

public sealed record Stats(
    int Requests,
    int Ok,
    int Failed,
    int HttpErrors,
    int ConnectErrors,
    int WriteErrors,
    int ReadErrors,
    int Timeouts,
    int NewConnections,
    int FoundClosedByServer,
    double Seconds,
    double RequestsPerSecond,
    double? P50Ms,
    double? P90Ms,
    double? P99Ms,
    double? MaxMs,
    Dictionary<string, int> Versions,
    Dictionary<string, int> HttpStatuses)
{
    public static Stats Of(IReadOnlyList<Record> records, double seconds, Versions versions)
    {
        var latencies = records.Where(r => r.Outcome == Outcome.Ok).Select(r => r.End - r.Start).Order().ToArray();
        double? Percentile(double q) => latencies.Length == 0 ? null : Math.Round(latencies[Math.Max(0, (int)Math.Ceiling(q * latencies.Length) - 1)], 2);
        int Count(Outcome outcome) => records.Count(r => r.Outcome == outcome);
        return new Stats(
            records.Count,
            Count(Outcome.Ok),
            records.Count(r => r.Outcome != Outcome.Ok),
            Count(Outcome.HttpError),
            Count(Outcome.ConnectError),
            Count(Outcome.WriteError),
            Count(Outcome.ReadError),
            Count(Outcome.Timeout),
            records.Count(r => r.NewConnection),
            records.Count(r => r.FoundClosed),
            Math.Round(seconds, 3),
            seconds > 0 ? Math.Round(records.Count / seconds, 1) : 0,
            Percentile(0.50),
            Percentile(0.90),
            Percentile(0.99),
            latencies.Length == 0 ? null : Math.Round(latencies[^1], 2),
            records.Where(r => r.Outcome == Outcome.Ok).GroupBy(r => versions.Name(r.Version)).ToDictionary(g => g.Key, g => g.Count()),
            records.Where(r => r.Status > 0).GroupBy(r => r.Status.ToString(CultureInfo.InvariantCulture)).ToDictionary(g => g.Key, g => g.Count()));
    }
}

/// <summary>One switch: how long from its mark until every answer came from the target version.</summary>
public sealed record Switch(string Target, double AtMs, double? FirstTargetAnswerMs, double? AllTargetAfterMs, int NonTargetAnswersAfter, bool EndsOnTarget);

public sealed record Phase(string Name, double FromMs, Stats Stats);

public sealed record Summary(
    int Connections,
    double IntervalMs,
    double TimeoutMs,
    string Url,
    double StartedMs,
    double StoppedMs,
    Stats Idle,
    double? CommandSeconds,
    Stats? DuringCommand,
    Stats? Operation,
    IReadOnlyList<Switch> Switches,
    IReadOnlyList<Phase> Phases,
    Stats WholeRun,
    IReadOnlyList<string> FailureSamples)
{
    /// <summary>
    /// Idle: from the idle mark to the op mark. During the command: requests started between op and end (latency).
    /// Operation: requests started from op until the load stopped (counts and failures, so that a failure just after
    /// the command returned is not missed).
    /// </summary>
    public static Summary Compute(Load load, IReadOnlyList<Mark> marks, double startedMs, double stoppedMs, Uri url, int connections, TimeSpan interval, TimeSpan timeout)
    {
        var records = load.Records.OrderBy(r => r.Start).ToList();
        var versions = load.Versions;
        List<Record> Started(double from, double to) => records.Where(r => r.Start >= from && r.Start < to).ToList();

        var op = marks.FirstOrDefault(m => m.Kind == "op");
        var idleFrom = marks.FirstOrDefault(m => m.Kind == "idle")?.AtMs ?? startedMs;
        var idleTo = op?.AtMs ?? stoppedMs;
        var idle = Stats.Of(Started(idleFrom, idleTo), (idleTo - idleFrom) / 1000, versions);

        double? commandSeconds = null;
        Stats? during = null, operation = null;
        var switches = new List<Switch>();
        var phases = new List<Phase>();
        if (op is not null)
        {
            var end = marks.FirstOrDefault(m => m.Kind == "end" && m.AtMs >= op.AtMs)?.AtMs ?? stoppedMs;
            commandSeconds = Math.Round((end - op.AtMs) / 1000, 3);
            during = Stats.Of(Started(op.AtMs, end), (end - op.AtMs) / 1000, versions);
            operation = Stats.Of(Started(op.AtMs, stoppedMs), (stoppedMs - op.AtMs) / 1000, versions);

            var switchMarks = marks.Where(m => m.Kind is "op" or "switch").ToList();
            for (var i = 0; i < switchMarks.Count; i++)
            {
                var at = switchMarks[i].AtMs;
                var until = i + 1 < switchMarks.Count ? switchMarks[i + 1].AtMs : stoppedMs;
                switches.Add(Converge(records, versions, switchMarks[i].Argument, at, until));
            }

            var phaseMarks = marks.Where(m => m.Kind == "phase" && m.AtMs >= op.AtMs && m.AtMs <= end).ToList();
            for (var i = 0; i < phaseMarks.Count; i++)
            {
                var from = phaseMarks[i].AtMs;
                var to = i + 1 < phaseMarks.Count ? phaseMarks[i + 1].AtMs : end;
                phases.Add(new Phase(phaseMarks[i].Argument, Math.Round(from, 1), Stats.Of(Started(from, to), (to - from) / 1000, versions)));
            }
        }

        return new Summary(connections, interval.TotalMilliseconds, timeout.TotalMilliseconds, url.ToString(), Math.Round(startedMs, 1), Math.Round(stoppedMs, 1),
            idle, commandSeconds, during, operation, switches, phases,
            Stats.Of(records, (stoppedMs - startedMs) / 1000, versions), load.FailureSamples.Take(50).ToList());
    }

    /// <summary>
    /// Looks at the answers that arrived after the switch (and before the next one): the time from the switch to the
    /// last answer that was not a good answer from the target is when 100 % of answers started coming from the target.
    /// </summary>
    private static Switch Converge(List<Record> records, Versions versions, string target, double at, double until)
    {
        var after = records.Where(r => r.End >= at && r.Start < until).OrderBy(r => r.End).ToList();
        bool OnTarget(Record r) => r.Outcome == Outcome.Ok && versions.Name(r.Version) == target;
        var firstTarget = after.FirstOrDefault(OnTarget);
        var others = after.Where(r => !OnTarget(r)).ToList();
        var endsOnTarget = after.Count > 0 && OnTarget(after[^1]);
        double? allTarget = !endsOnTarget ? null : others.Count == 0 ? 0 : Math.Round(others[^1].End - at, 1);
        return new Switch(target, Math.Round(at, 1),
            firstTarget == default ? null : Math.Round(firstTarget.End - at, 1),
            allTarget, others.Count, endsOnTarget);
    }
}
