using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Webhooks;

/// <summary>
/// One lane per environment: at most one deploy runs, and at most one waits. A request that arrives while a deploy
/// runs becomes the waiting one, or, when one already waits, is folded into it (when it starts it runs the newest
/// commit, <paramref name="newest"/>), so a burst of pushes runs at most two deploys and ends on the newest. The
/// waiting ones are kept in <paramref name="file"/>: a stop leaves them there, and the next start runs them.
/// </summary>
public sealed class DeployQueue(
    Func<DeployJob, CancellationToken, Task<DeployResult>> run,
    Func<DeployJob, Task> finished,
    Func<DeployJob, DeployRequest> newest,
    QueueFile file,
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

    public Enqueued Enqueue(DeployRequest request) => Add([request]);

    /// <summary>A deploy the last run of the listener accepted but did not start (<see cref="QueueFile"/>), with every request it had folded.</summary>
    public Enqueued Resume(IReadOnlyList<DeployRequest> requests) => Add(requests);

    private Enqueued Add(IReadOnlyList<DeployRequest> requests)
    {
        lock (_gate)
        {
            var environment = requests[0].Environment;
            if (!_lanes.TryGetValue(environment, out var lane))
            {
                _lanes[environment] = lane = new Lane();
            }

            // While stopping nothing starts: a request that slipped in waits in the file for the next start.
            if (lane.Running is null && !_stopping)
            {
                var job = lane.Running = Folded(new DeployJob(requests[0]), requests.Skip(1));
                job.Start();
                lane.Worker = Task.Run(() => WorkAsync(lane, job));
                return new Enqueued(job, Started: true);
            }

            var waiting = lane.Waiting is { } already ? Folded(already, requests) : lane.Waiting = Folded(new DeployJob(requests[0]), requests.Skip(1));
            Save();
            return new Enqueued(waiting, Started: false);
        }
    }

    private static DeployJob Folded(DeployJob job, IEnumerable<DeployRequest> requests)
    {
        foreach (var request in requests)
        {
            job.Absorb(request);
        }

        return job;
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
    /// Starts nothing more (the waiting deploys stay in the queue file for the next start), lets the running ones finish
    /// within <paramref name="grace"/>, and cuts those still running after it (or as soon as <paramref name="cutNow"/>
    /// fires: a second Ctrl-C).
    /// </summary>
    public async Task StopAsync(TimeSpan grace, CancellationToken cutNow)
    {
        List<DeployJob> kept;
        List<DeployJob> running;
        List<Task> workers;
        lock (_gate)
        {
            _stopping = true;
            kept = _lanes.Values.Select(l => l.Waiting).OfType<DeployJob>().ToList();
            running = _lanes.Values.Select(l => l.Running).OfType<DeployJob>().ToList();
            workers = _lanes.Values.Select(l => l.Worker).ToList();
        }

        foreach (var job in kept)
        {
            log.Information("Kept the waiting deploy {0} of {1} to {2} in {3}: it runs when the listener starts again.",
                job.Id, job.Request.What, job.Environment, file.Path);
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
                // Nothing folds into a running job any more, so its requests can be read outside the lock.
                var runs = newest(job);
                lock (_gate)
                {
                    job.Runs(runs);
                }

                result = await run(job, _cut.Token);
            }
            catch (Exception ex)
            {
                result = new DeployResult(DeployState.Failed, $"could not run the deploy: {ex.Message}", null);
            }

            await EndAsync(job, result);
        }
    }

    /// <summary>The waiting deploy becomes the running one (none while stopping: it stays in the queue file).</summary>
    private DeployJob? Next(Lane lane)
    {
        lock (_gate)
        {
            if (_stopping)
            {
                lane.Running = null;
                return null;
            }

            var next = lane.Running = lane.Waiting;
            lane.Waiting = null;
            next?.Start();
            Save();
            return next;
        }
    }

    /// <summary>Under the lock: the file always holds what waits.</summary>
    private void Save()
    {
        try
        {
            file.Save(_lanes.Values.Select(l => l.Waiting).OfType<DeployJob>());
        }
        catch (IOException ex)
        {
            log.Warning("Could not write {0} ({1}); the waiting deploys would not survive a restart.", file.Path, ex.Message);
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
