using Cake.Core;
using Cake.Core.Diagnostics;
using KahaDeploy.Frosting;
using KahaDeploy.Tasks;

namespace KahaDeploy;

/// <summary>
/// Validates the configuration before any task touches Docker; gives a run that changes an environment its log file
/// and history line, and reports its failure to Slack; a success ends with the one line that says what is live. Such a
/// run that a signal stops ends in the truth: what it started before traffic moved is undone, one line says what serves
/// now, the history and Slack hear of it.
/// </summary>
public sealed class DeployLifetime(
    DeployLock deployLock, EnvironmentOwner owner, RunRecorder recorder, RunLogFile runLogFile, SlackReport slackReport, RunSummary summary, DockerConnector docker,
    Interruption interruption, InterruptedRun interrupted, StoppedRun stopped)
    : FrostingLifetime<DeployContext>
{
    public override void Setup(DeployContext context, ISetupContext info)
    {
        context.TargetName = info.TargetTask.Name;
        if (context.TargetName.Equals(nameof(Listen), StringComparison.OrdinalIgnoreCase))
        {
            _ = context.Listener;
            _ = context.DashboardOrNone;
        }
        else if (context.TargetName.Equals(nameof(Dashboard), StringComparison.OrdinalIgnoreCase))
        {
            _ = context.Dashboard;
        }
        else if (!TargetKind.Is<ReadOnlyAttribute>(context.TargetName))
        {
            _ = context.Settings;
            _ = context.PullImage;
            WarnOfUnsetSecrets(context);
        }

        if (TargetKind.Is<ChangesEnvironmentAttribute>(context.TargetName) && !context.DryRun)
        {
            recorder.Start(context);
            interruption.Listen(signal => StopAtOnce(context, signal));
        }
        else
        {
            runLogFile.Discard();
        }
    }

    /// <summary>A dry run reads the configuration without secrets, but must still predict the real run: it names the ones missing (never a value).</summary>
    private static void WarnOfUnsetSecrets(DeployContext context)
    {
        if (context.DryRun && context.Settings.UnsetSecrets is { } problem)
        {
            context.Log.Warning("A real run of {0} would fail before touching anything: {1}", context.TargetName, problem);
        }
    }

    public override void Teardown(DeployContext context, ITeardownContext info)
    {
        stopped.BySignal = FindInterruption(info.ThrownException) is not null;
        try
        {
            var outcome = interruption.Requested && !info.Successful && context.HasSettings ? Settle(context, info.ThrownException) : null;
            if (interruption.Requested && info.Successful)
            {
                context.Log.Information("{0} came as the run finished: nothing was left undone.", interruption.Signal);
            }

            recorder.Finish(context, info.Successful, info.ThrownException, outcome);
            if (info.Successful && TargetKind.Is<EndsWithWhatIsLiveAttribute>(context.TargetName) && !context.DryRun)
            {
                summary.WriteAsync(context).GetAwaiter().GetResult();
            }

            // A run refused before it changed anything (lock, arguments, preflight, an unknown --to) is no failed deploy;
            // one that someone stopped is news all the same.
            if (!info.Successful && TargetKind.Is<ChangesEnvironmentAttribute>(context.TargetName) && context.HasSettings && (context.Run.ChangesStarted || outcome is not null))
            {
                slackReport.SendAsync(context, succeeded: false, info.ThrownException, outcome).GetAwaiter().GetResult();
            }
        }
        finally
        {
            // Only a run that did its work makes the environment this checkout's: a refused or failed one leaves no trace.
            if (info.Successful && TargetKind.Is<ChangesEnvironmentAttribute>(context.TargetName))
            {
                owner.RecordClaimAsync().GetAwaiter().GetResult();
            }

            deployLock.ReleaseAsync().GetAwaiter().GetResult();
            docker.Dispose();
        }
    }

    /// <summary>Undoes what the run started before traffic moved; the line it returns ends the run's output.</summary>
    private string Settle(DeployContext context, Exception? thrown)
    {
        string outcome;
        try
        {
            outcome = interrupted.SettleAsync(context).GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            outcome = $"Interrupted by {interruption.Signal}, and what serves {context.Settings.Environment} could not be read ({ex.Message}); run --target=Status --env={context.Settings.Environment}.";
        }

        // The host prints the run's error as its last line: when that is the interruption, it becomes this line.
        if (FindInterruption(thrown) is { } stopped)
        {
            stopped.Outcome = outcome;
        }
        else
        {
            context.Log.Error(outcome);
        }

        return outcome;
    }

    /// <summary>The second signal: nothing more is done, but the history says so before the process ends.</summary>
    private void StopAtOnce(DeployContext context, string signal)
    {
        var env = context.Settings.Environment;
        var line = $"Second {signal}: stopped at once in {interruption.CurrentTask ?? "the run"}; run --target=Status --env={env} to see what serves, and --target={context.TargetName} --env={env} to put it right.";
        context.Log.Error(line);
        recorder.Finish(context, succeeded: false, error: null, interruption: line);
    }

    private static RunInterruptedException? FindInterruption(Exception? exception) => exception switch
    {
        RunInterruptedException stopped => stopped,
        AggregateException aggregate => aggregate.InnerExceptions.Select(FindInterruption).FirstOrDefault(e => e is not null),
        { InnerException: { } inner } => FindInterruption(inner),
        _ => null,
    };
}
