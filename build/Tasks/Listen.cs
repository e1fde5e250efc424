using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Listen))]
[TaskDescription("Push to deploy: serves GitHub and Docker Hub webhooks on --address/--port and deploys each accepted push in the background, one at a time per environment")]
[IsDependentOn(typeof(DockerPreflight))]
public sealed class Listen(WebhookListener listener) : AsyncFrostingTask<DeployContext>
{
    public override Task RunAsync(DeployContext context) => listener.RunAsync(context.Listener, context.SettingsForStatus().ToList());
}
