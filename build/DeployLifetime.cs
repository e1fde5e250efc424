using Cake.Core;
using Cake.Core.Diagnostics;
using KahaDeploy.Frosting;
using KahaDeploy.Services;
using KahaDeploy.Tasks;

namespace KahaDeploy;

/// <summary>
/// Validates the configuration before any task touches Docker; gives a run that changes an environment its log file
/// and history line, and reports its failure to Slack; a success ends with the one line that says what is live.
/// </summary>
public sealed class DeployLifetime(DeployLock deployLock, RunRecorder recorder, RunLog runLog, RunReporter reporter, RunSummary summary, DockerConnector docker)
    : FrostingLifetime<DeployContext>
{
    /// <summary>Targets that only read, so they need no secrets: across environments, or --env's.</summary>
    private static readonly HashSet<string> ReadOnlyTargets = new(StringComparer.OrdinalIgnoreCase)
    {
        CakeHost.DefaultTarget, nameof(Status), nameof(History), nameof(Logs), nameof(Releases),
    };

    /// <summary>Targets that change what runs: each real run gets a log file and a history line, and its failure is news for the team.</summary>
    private static readonly HashSet<string> RecordedTargets = new(StringComparer.OrdinalIgnoreCase) { nameof(Deploy), nameof(Rollback), nameof(CI) };

    public override void Setup(DeployContext context, ISetupContext info)
    {
        context.TargetName = info.TargetTask.Name;
        if (context.TargetName.Equals(nameof(Listen), StringComparison.OrdinalIgnoreCase))
        {
            _ = context.Listener;
        }
        else if (!ReadOnlyTargets.Contains(context.TargetName))
        {
            _ = context.Settings;
            _ = context.PullImage;
            WarnOfUnsetSecrets(context);
        }

        if (RecordedTargets.Contains(context.TargetName) && !context.DryRun)
        {
            recorder.Start(context);
        }
        else
        {
            runLog.Discard();
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
        try
        {
            recorder.Finish(context, info.Successful, info.ThrownException);
            if (info.Successful && RecordedTargets.Contains(context.TargetName) && !context.DryRun)
            {
                summary.WriteAsync(context).GetAwaiter().GetResult();
            }

            // A run refused before it changed anything (lock, arguments, preflight, an unknown --to) is no failed deploy.
            if (!info.Successful && RecordedTargets.Contains(context.TargetName) && context.HasSettings && context.ChangesStarted)
            {
                reporter.ReportAsync(context, succeeded: false, info.ThrownException).GetAwaiter().GetResult();
            }
        }
        finally
        {
            deployLock.Release();
            docker.Dispose();
        }
    }
}
