using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Listen))]
[TaskDescription("Push to deploy: serves GitHub and Docker Hub webhooks on --address/--port and deploys each accepted push in the background, one at a time per environment; with a dashboard section, the dashboard too, on its own port")]
[IsDependentOn(typeof(DockerPreflight))]
public sealed class Listen(WebhookListener listener, DashboardServer dashboard) : AsyncFrostingTask<DeployContext>
{
    public override Task RunAsync(DeployContext context)
    {
        var environments = context.SettingsForStatus().ToList();
        return listener.RunAsync(context.Listener, environments,
            context.DashboardOrNone is { } page ? status => dashboard.StartAsync(page, environments, status) : null);
    }
}
