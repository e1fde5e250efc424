using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Dashboard))]
[TaskDescription("Serves the web dashboard alone (what runs where, releases, runs, a guarded Rollback button) on the dashboard section's address and port, until Ctrl-C")]
[IsDependentOn(typeof(DockerPreflight))]
public sealed class Dashboard(DashboardServer server) : AsyncFrostingTask<DeployContext>
{
    public override Task RunAsync(DeployContext context) => server.RunAsync(context.Dashboard, context.SettingsForStatus().ToList());
}
