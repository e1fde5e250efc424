using System.Security.Cryptography;
using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Runs;

/// <summary>Gives a run that changes an environment its log file and its line in the environment's history.</summary>
public sealed class RunRecorder(RunLogFile runLogFile, RunHistory history, SecretMasker masker, ICakeLog log)
{
    private const string LogFolder = "logs";
    private const int LongestError = 500;

    private readonly object _gate = new();
    private RunRecord? _run;
    private string? _environmentFolder;
    private Task<(IReadOnlyList<RunRecord> Lost, int Removed)>? _recording;
    private Action<(IReadOnlyList<RunRecord> Lost, int Removed)>? _announce;

    /// <summary>
    /// Opens the run's log file and marks the run as in progress in the history, in the background: the marker names the
    /// performer (git's user name takes a process), and the tasks that come first only check the engine and take the lock
    /// meanwhile (issue 18); what is logged until the file is open is held and written first. <see cref="WaitUntilRecorded"/>
    /// is called before any task that may change the environment.
    /// </summary>
    public void Start(DeployContext context)
    {
        var settings = context.Settings;
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        // To the millisecond: names sort as the runs started, and rotation removes the oldest by name.
        var name = $"{context.Run.StartedAt.UtcDateTime:yyyyMMdd'T'HHmmss.fff'Z'}-{context.TargetName}-{id}.log";
        var environmentFolder = settings.EnvironmentStateFolder;
        _environmentFolder = environmentFolder;
        var performer = context.PerformerAsync();
        _recording = Task.Run(async () =>
        {
            var removed = runLogFile.Open(Path.Combine(environmentFolder, LogFolder), name, settings.KeepLogs);
            var run = new RunRecord
            {
                Id = id,
                Environment = settings.Environment,
                Target = context.TargetName,
                Trigger = context.Trigger,
                Performer = await performer,
                Started = context.Run.StartedAt,
                Result = RunRecord.Running,
                Log = Path.Combine(LogFolder, name),
            };
            var lost = history.Start(environmentFolder, run);
            lock (_gate)
            {
                _run = run;
            }

            return (lost, removed);
        });
        _announce = recorded =>
        {
            foreach (var run in recorded.Lost)
            {
                log.Warning("Run {0} ({1} by {2}, started {3:yyyy-MM-dd HH:mm:ss}Z) ended without finishing; it is recorded as interrupted (its log: {4}).",
                    run.Id, run.Target, run.Performer, run.Started.UtcDateTime, Path.Combine(environmentFolder, run.Log ?? ""));
            }

            log.Information("Run {0}: {1} of {2} by {3} ({4}); log: {5}", id, context.TargetName, settings.Environment, context.Performer, context.Trigger, runLogFile.FilePath!);
            if (recorded.Removed > 0)
            {
                log.Verbose("Removed {0} old log file(s): environments.{1}.keepLogs is {2}.", recorded.Removed, settings.Environment, settings.KeepLogs);
            }
        };
    }

    /// <summary>Returns once the run's log file is open and the run is marked as in progress, and says so (once); throws what stopped either.</summary>
    public void WaitUntilRecorded()
    {
        if (_recording is null)
        {
            return;
        }

        var recorded = _recording.GetAwaiter().GetResult();
        if (Interlocked.Exchange(ref _announce, null) is { } announce)
        {
            announce(recorded);
        }
    }

    /// <summary>Called when the target's last task ended well: a kill in the teardown still records the run as it ended.</summary>
    public void Complete(DeployContext context)
    {
        WaitUntilRecorded();
        lock (_gate)
        {
            if (_run is not null)
            {
                history.Complete(_environmentFolder!, Ended(context, succeeded: true, error: null, interruption: null));
            }
        }
    }

    /// <summary>
    /// Writes the run's history line, once: a second signal may write it from its own thread while the run is still in a
    /// task. <paramref name="interruption"/>, when a signal stopped the run, is the line that says what serves now.
    /// </summary>
    public void Finish(DeployContext context, bool succeeded, Exception? error, string? interruption = null)
    {
        try
        {
            WaitUntilRecorded();
        }
        catch (Exception) when (_run is null)
        {
            // The marking failed and the run stopped on that error: there is no line to finish.
        }

        RunRecord run;
        lock (_gate)
        {
            if (_run is null)
            {
                return;
            }

            run = Ended(context, succeeded, error, interruption);
            history.Finish(_environmentFolder!, run);
            _run = null;
        }

        // The console ends with the error anyway; the log file gets it here, before the log is sent anywhere.
        log.Verbose("Run {0} {1} after {2:N1} s{3}.", run.Id, run.Result, run.DurationSeconds!.Value,
            run.Error is null ? "" : $" in {run.FailedTask ?? "teardown"}: {run.Error}");
    }

    private RunRecord Ended(DeployContext context, bool succeeded, Exception? error, string? interruption)
    {
        var finished = DateTimeOffset.UtcNow;
        return _run! with
        {
            Commit = context.Run.Version?.Commit,
            Version = context.Run.Version?.Tag,
            ImageId = context.Run.Image?.Id,
            PreviousCommit = context.Run.PreviousCommit,
            Finished = finished,
            DurationSeconds = Math.Round((finished - _run!.Started).TotalSeconds, 1),
            Result = interruption is not null ? RunRecord.Interrupted : !succeeded ? RunRecord.Failed : context.Run.Finished ? RunRecord.Unchanged : RunRecord.Succeeded,
            FailedTask = succeeded ? null : context.Run.FailedTask,
            Error = interruption is not null ? OneLine(masker.Apply(interruption)) : succeeded || error is null ? null : OneLine(masker.Apply(error.Message)),
        };
    }

    private static string OneLine(string text)
    {
        var line = string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return line.Length <= LongestError ? line : line[..(LongestError - 1)] + "…";
    }
}
