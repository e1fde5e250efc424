namespace KahaDeploy;

/// <summary>What a run's tasks found and changed so far, and when it started: the part of the context that changes as tasks run.</summary>
public sealed class RunState
{
    /// <summary>The release about to take traffic through the proxy; set by RunContainer or RestorePrevious.</summary>
    public Candidate? Candidate { get; set; }

    /// <summary>
    /// Set by the first task that changes the server (checkout, images, containers). A run that fails before it was refused
    /// (the lock, a bad argument, preflight, an unknown --to): it is in the history, but it is no failed deploy to tell the team about.
    /// </summary>
    public bool ChangesStarted { get; private set; }

    public void StartChanges() => ChangesStarted = true;

    /// <summary>A task found there is nothing left to do: the remaining tasks are passed over and the run succeeds.</summary>
    public bool Finished { get; private set; }

    public void FinishEarly() => Finished = true;

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>The release this run builds or restores; set by the version task.</summary>
    public ReleaseVersion? Version { get; set; }

    /// <summary>The image this run starts; set by the build task, or by a rollback.</summary>
    public AppImage? Image { get; set; }

    /// <summary>The commit that was live before this run replaced it.</summary>
    public string? PreviousCommit { get; set; }

    /// <summary>When the warm standby this run left is stopped; set when its timer is scheduled.</summary>
    public DateTimeOffset? StandbyUntil { get; set; }

    /// <summary>The task that failed, for the failure report.</summary>
    public string? FailedTask { get; set; }
}
