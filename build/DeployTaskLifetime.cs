using Cake.Core;
using KahaDeploy.Frosting;

namespace KahaDeploy;

/// <summary>
/// Remembers which task failed, for the failure report; a task boundary is where a signal stops the run, and where the
/// run must be in the history before the environment may change. The target ending well is where the run's work is
/// done: a kill after it, in the teardown, is no interrupted run.
/// </summary>
public sealed class DeployTaskLifetime(Interruption interruption, RunRecorder recorder) : FrostingTaskLifetime<DeployContext>
{
    public override void Setup(DeployContext context, ITaskSetupContext info)
    {
        // A target that is only its dependencies has nothing left to do once they ran, so it is no place to stop.
        if (info.Task is CakeTask { Actions.Count: 0 })
        {
            return;
        }

        // Checking the engine and taking the lock change nothing: the run's log file and history marker are written
        // meanwhile, and are on disk before any other task starts.
        if (info.Task.Name is not (nameof(Tasks.DockerPreflight) or nameof(Tasks.Lock)))
        {
            recorder.WaitUntilRecorded();
        }

        interruption.CurrentTask = info.Task.Name;
        try
        {
            interruption.StopIfRequested(info.Task.Name);
        }
        catch (RunInterruptedException)
        {
            context.Run.FailedTask ??= info.Task.Name;
            throw;
        }
    }

    public override void Teardown(DeployContext context, ITaskTeardownContext info)
    {
        if (!info.Successful && !info.Skipped)
        {
            context.Run.FailedTask ??= info.Task.Name;
        }
        else if (info.Successful && info.Task.Name.Equals(context.TargetName, StringComparison.OrdinalIgnoreCase))
        {
            recorder.Complete(context);
        }
    }
}
