namespace KahaDeploy.Services.Webhooks;

public enum DeployState
{
    Queued,
    Running,
    Succeeded,
    Failed,

    /// <summary>Still running when the listener stopped and its grace ran out: killed.</summary>
    Cut,

    /// <summary>When it started, its commit was the live one or older (a push deploy only moves forward): nothing changed.</summary>
    Ignored,
}

/// <summary>How a deploy ended: the one line to tell people, and where the whole output is.</summary>
public sealed record DeployResult(DeployState State, string Summary, string? LogFile);

/// <summary>
/// One deploy of one environment. While it waits it absorbs newer requests (the coalescing queue): it then runs
/// the newest one, and answers for every delivery it absorbed. Changed only under the queue's lock.
/// </summary>
public sealed class DeployJob(DeployRequest first)
{
    /// <summary>/status shows this many of the deliveries a deploy absorbed (a flood folds thousands into one), and their count.</summary>
    private const int DeliveriesShown = 20;

    private readonly List<DeployRequest> _requests = [first];
    private DeployRequest? _runs;

    public string Id { get; } = "d-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));

    public string Environment => first.Environment;

    /// <summary>The request this deploy runs: the newest commit once it started (<see cref="Runs"/>), the last one until then.</summary>
    public DeployRequest Request => _runs ?? _requests[^1];

    public IReadOnlyList<DeployRequest> Requests => _requests;

    public DeployState State { get; private set; } = DeployState.Queued;

    public DateTimeOffset QueuedAt { get; } = DateTimeOffset.UtcNow;

    public DateTimeOffset? StartedAt { get; private set; }

    public DateTimeOffset? FinishedAt { get; private set; }

    public DeployResult? Result { get; private set; }

    public void Absorb(DeployRequest newer) => _requests.Add(newer);

    /// <summary>Which of its requests it runs: pushes may arrive out of order.</summary>
    public void Runs(DeployRequest request) => _runs = request;

    public void Start()
    {
        State = DeployState.Running;
        StartedAt = DateTimeOffset.UtcNow;
    }

    public void End(DeployResult result)
    {
        State = result.State;
        Result = result;
        FinishedAt = DateTimeOffset.UtcNow;
    }

    /// <summary>What /status shows: no payload, no callback URL.</summary>
    public object Describe() => new
    {
        id = Id,
        environment = Environment,
        state = State.ToString().ToLowerInvariant(),
        sha = Request.Sha,
        image = Request.Image,
        trigger = Request.Trigger,
        performer = Request.Performer,
        deliveries = _requests.TakeLast(DeliveriesShown).Select(r => r.Delivery.Delivery).ToList(),
        deliveryCount = _requests.Count,
        queuedAt = QueuedAt,
        startedAt = StartedAt,
        finishedAt = FinishedAt,
        result = Result?.Summary,
        log = Result?.LogFile,
    };
}
