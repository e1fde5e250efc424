using Cake.Core;
using KahaDeploy.Frosting;
using KahaDeploy.Services;
using KahaDeploy.Tasks;

namespace KahaDeploy;

/// <summary>Validates the configuration (an environment's, or the listener's) before any task touches Docker, and reports a failed change to Slack.</summary>
public sealed class DeployLifetime(DeployLock deployLock, RunReporter reporter, DockerConnector docker) : FrostingLifetime<DeployContext>
{
    /// <summary>Targets that read across environments and need no --env.</summary>
    private static readonly HashSet<string> ReadOnlyTargets = new(StringComparer.OrdinalIgnoreCase) { CakeHost.DefaultTarget, nameof(Status) };

    /// <summary>Targets whose failure is news for the team.</summary>
    private static readonly HashSet<string> ReportedTargets = new(StringComparer.OrdinalIgnoreCase) { nameof(Deploy), nameof(Rollback), nameof(CI) };

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
        }
    }

    public override void Teardown(DeployContext context, ITeardownContext info)
    {
        try
        {
            if (!info.Successful && ReportedTargets.Contains(context.TargetName) && context.HasSettings)
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
