using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Webhooks;

/// <summary>
/// One lane per environment: at most one deploy runs, and at most one waits. A request that arrives while a deploy
/// runs becomes the waiting one, or, when one already waits, is folded into it (the newest commit wins), so a burst of
/// pushes runs at most two deploys and ends on the newest.
/// </summary>
public sealed class DeployQueue(
    Func<DeployJob, CancellationToken, Task<DeployResult>> run,
    Func<DeployJob, Task> finished,
    ICakeLog log)
{
    private const int Remembered = 50;

    private readonly object _gate = new();
    private readonly Dictionary<string, Lane> _lanes = [];
    private readonly Queue<DeployJob> _done = new();
    private readonly CancellationTokenSource _cut = new();
    private bool _stopping;

    private sealed class Lane
    {
        public DeployJob? Running { get; set; }
        public DeployJob? Waiting { get; set; }
        public Task Worker { get; set; } = Task.CompletedTask;
    }

    /// <summary>The deploy that will run a request, and whether it started at once (otherwise it waits for the running one).</summary>
    public sealed record Enqueued(DeployJob Job, bool Started);

    public Enqueued Enqueue(DeployRequest request)
    {
        lock (_gate)
        {
            if (_stopping)
            {
                throw new InvalidOperationException("The listener is stopping and takes no more deploys.");
            }

            if (!_lanes.TryGetValue(request.Environment, out var lane))
            {
                _lanes[request.Environment] = lane = new Lane();
            }

            if (lane.Running is null)
            {
                var job = lane.Running = new DeployJob(request);
                job.Start();
                lane.Worker = Task.Run(() => WorkAsync(lane, job));
                return new Enqueued(job, Started: true);
            }

            if (lane.Waiting is { } waiting)
            {
                waiting.Absorb(request);
                return new Enqueued(waiting, Started: false);
            }

            return new Enqueued(lane.Waiting = new DeployJob(request), Started: false);
        }
    }

    /// <summary>The running and the waiting deploy of an environment, as /status shows them.</summary>
    public (object? Running, object? Waiting) Describe(string environment)
    {
        lock (_gate)
        {
            return _lanes.TryGetValue(environment, out var lane) ? (lane.Running?.Describe(), lane.Waiting?.Describe()) : (null, null);
        }
    }

    /// <summary>The last deploys that ended, newest first, as /status shows them.</summary>
    /// <summary>When a deploy last ended: what the engine said before then is out of date.</summary>
    public DateTimeOffset LastEndedAt { get; private set; }

    public IReadOnlyList<object> DescribeDone()
    {
        lock (_gate)
        {
            return _done.Reverse().Select(job => job.Describe()).ToList();
        }
    }

    /// <summary>
    /// Drops the waiting deploys, lets the running ones finish within <paramref name="grace"/>, and cuts those still
    /// running after it (or as soon as <paramref name="cutNow"/> fires: a second Ctrl-C).
    /// </summary>
    public async Task StopAsync(TimeSpan grace, CancellationToken cutNow)
    {
        List<DeployJob> dropped;
        List<DeployJob> running;
        List<Task> workers;
        lock (_gate)
        {
            _stopping = true;
            dropped = _lanes.Values.Select(l => l.Waiting).OfType<DeployJob>().ToList();
            running = _lanes.Values.Select(l => l.Running).OfType<DeployJob>().ToList();
            workers = _lanes.Values.Select(l => l.Worker).ToList();
            foreach (var lane in _lanes.Values)
            {
                lane.Waiting = null;
            }
        }

        foreach (var job in dropped)
        {
            log.Warning("Dropped the waiting deploy {0} of {1} to {2}: the listener is stopping; push again, or run ./build.sh --target=Deploy --env={2}.",
                job.Id, job.Request.What, job.Environment);
            await EndAsync(job, new DeployResult(DeployState.Dropped, "dropped: the listener stopped before it started", null));
        }

        if (running.Count > 0)
        {
            log.Information("Waiting up to {0:N0} s for {1} to finish (Ctrl-C again cuts it).", grace.TotalSeconds,
                string.Join(", ", running.Select(j => $"deploy {j.Id} of {j.Request.What} to {j.Environment}")));
        }

        var all = Task.WhenAll(workers);
        await Task.WhenAny(all, Task.Delay(grace, cutNow));
        if (!all.IsCompleted)
        {
            await _cut.CancelAsync();
            await all;
        }
    }

    private async Task WorkAsync(Lane lane, DeployJob first)
    {
        for (var job = first; job is not null; job = Next(lane))
        {
            DeployResult result;
            try
            {
                result = await run(job, _cut.Token);
            }
            catch (Exception ex)
            {
                result = new DeployResult(DeployState.Failed, $"could not run the deploy: {ex.Message}", null);
            }

            await EndAsync(job, result);
        }
    }

    /// <summary>The waiting deploy becomes the running one (none while stopping: StopAsync dropped it).</summary>
    private DeployJob? Next(Lane lane)
    {
        lock (_gate)
        {
            var next = lane.Running = lane.Waiting;
            lane.Waiting = null;
            next?.Start();
            return next;
        }
    }

    private async Task EndAsync(DeployJob job, DeployResult result)
    {
        lock (_gate)
        {
            job.End(result);
            LastEndedAt = DateTimeOffset.UtcNow;
            _done.Enqueue(job);
            while (_done.Count > Remembered)
            {
                _done.Dequeue();
            }
        }

        try
        {
            await finished(job);
        }
        catch (Exception ex)
        {
            log.Warning("After deploy {0}: {1}", job.Id, ex.Message);
        }
    }
}
