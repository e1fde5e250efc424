namespace KahaDeploy.Services.Runs;

/// <summary>One run of a target that changes an environment, as history.jsonl keeps it.</summary>
public sealed record RunRecord
{
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Interrupted = "interrupted";

    /// <summary>Succeeded without changing anything: the release asked for was already live.</summary>
    public const string Unchanged = "unchanged";

    /// <summary>Not a run: the proxy moved traffic to a fallback release by itself (recorded by the next run).</summary>
    public const string FailedOver = "failover";

    public required string Id { get; init; }
    public required string Environment { get; init; }
    public required string Target { get; init; }

    /// <summary>cli, ci, github, dockerhub or dashboard.</summary>
    public required string Trigger { get; init; }

    public required string Performer { get; init; }
    public string? Commit { get; init; }
    public string? Version { get; init; }
    public string? ImageId { get; init; }

    /// <summary>The commit that was live before this run changed it.</summary>
    public string? PreviousCommit { get; init; }

    public required DateTimeOffset Started { get; init; }
    public DateTimeOffset? Finished { get; init; }
    public double? DurationSeconds { get; init; }
    public required string Result { get; init; }
    public string? FailedTask { get; init; }
    public string? Error { get; init; }

    /// <summary>The run's log file, relative to the environment's state folder.</summary>
    public string? Log { get; init; }
}
