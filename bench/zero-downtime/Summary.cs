using System.Globalization;

namespace ZeroDowntimeLoad;

/// <summary>
/// A line the driver appends to the marks file while the load runs: "EPOCH_SECONDS KIND [ARGUMENT]" (bash's $EPOCHREALTIME).
/// Kinds: idle (the idle window starts), op TARGET (the command starts; 100 % of answers should come from TARGET),
/// switch TARGET (one more switch inside the same operation), phase NAME (a step of the operation starts: a task of the tool),
/// part NAME (a coarser part starts, e.g. "build" and "release"), end (the command returned).
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
    double IdleLongestWithoutGoodAnswerMs,
    double? CommandSeconds,
    Stats? DuringCommand,
    Stats? Operation,
    double? LongestWithoutGoodAnswerMs,
    IReadOnlyList<Switch> Switches,
    IReadOnlyList<Phase> Phases,
    IReadOnlyList<Phase> Parts,
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
        double LongestSilence(double from, double to)
        {
            var goodEnds = records.Where(r => r.Outcome == Outcome.Ok && r.End >= from && r.End < to).Select(r => r.End).Order().Prepend(from).Append(to).ToList();
            return Math.Round(goodEnds.Zip(goodEnds.Skip(1), (a, b) => b - a).Max(), 1);
        }

        double? commandSeconds = null;
        Stats? during = null, operation = null;
        double? silence = null;
        var switches = new List<Switch>();
        IReadOnlyList<Phase> phases = [], parts = [];
        if (op is not null)
        {
            var end = marks.FirstOrDefault(m => m.Kind == "end" && m.AtMs >= op.AtMs)?.AtMs ?? stoppedMs;
            commandSeconds = Math.Round((end - op.AtMs) / 1000, 3);
            during = Stats.Of(Started(op.AtMs, end), (end - op.AtMs) / 1000, versions);
            operation = Stats.Of(Started(op.AtMs, stoppedMs), (stoppedMs - op.AtMs) / 1000, versions);

            // The longest stretch, from the command on, in which no connection got a good answer (any version): downtime.
            silence = LongestSilence(op.AtMs, stoppedMs);

            var switchMarks = marks.Where(m => m.Kind is "op" or "switch").ToList();
            for (var i = 0; i < switchMarks.Count; i++)
            {
                var at = switchMarks[i].AtMs;
                var until = i + 1 < switchMarks.Count ? switchMarks[i + 1].AtMs : stoppedMs;
                switches.Add(Converge(records, versions, switchMarks[i].Argument, at, until));
            }

            phases = Split("phase", op.AtMs, end);
            parts = Split("part", op.AtMs, end);
        }

        // Consecutive marks of one kind cut the command into pieces; the last one runs to the end of the command.
        IReadOnlyList<Phase> Split(string kind, double opAt, double end)
        {
            var cuts = marks.Where(m => m.Kind == kind && m.AtMs >= opAt && m.AtMs <= end).ToList();
            return cuts.Select((cut, i) =>
            {
                var to = i + 1 < cuts.Count ? cuts[i + 1].AtMs : end;
                return new Phase(cut.Argument, Math.Round(cut.AtMs, 1), Stats.Of(Started(cut.AtMs, to), (to - cut.AtMs) / 1000, versions));
            }).ToList();
        }

        return new Summary(connections, interval.TotalMilliseconds, timeout.TotalMilliseconds, url.ToString(), Math.Round(startedMs, 1), Math.Round(stoppedMs, 1),
            idle, LongestSilence(idleFrom, idleTo), commandSeconds, during, operation, silence, switches, phases, parts,
            Stats.Of(records, (stoppedMs - startedMs) / 1000, versions), load.FailureSamples.Take(50).ToList());
    }

    /// <summary>
    /// Looks at the answers that arrived after the switch (and before the next one). The target has all the traffic from the
    /// first good answer from it that came after the last answer that was not (an old version's answer or a failure): from
    /// then on, 100 % of answers come from the target. (Counting from the first target answer, not from the last other one,
    /// matters when requests hang without an answer for a while, as they do while nothing listens behind a published port.)
    /// </summary>
    private static Switch Converge(List<Record> records, Versions versions, string target, double at, double until)
    {
        var after = records.Where(r => r.End >= at && r.Start < until).OrderBy(r => r.End).ToList();
        bool OnTarget(Record r) => r.Outcome == Outcome.Ok && versions.Name(r.Version) == target;
        var firstTarget = after.FirstOrDefault(OnTarget);
        var lastOther = after.FindLastIndex(r => !OnTarget(r));
        var endsOnTarget = after.Count > 0 && OnTarget(after[^1]);
        double? allTarget = endsOnTarget ? Math.Round(after[lastOther + 1].End - at, 1) : null;
        return new Switch(target, Math.Round(at, 1),
            firstTarget == default ? null : Math.Round(firstTarget.End - at, 1),
            allTarget, after.Count(r => !OnTarget(r)), endsOnTarget);
    }
}
