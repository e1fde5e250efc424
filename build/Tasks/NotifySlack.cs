using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(NotifySlack))]
[TaskDescription("Tells Slack the result: environment, version, who or what triggered it, duration (failures are reported from the teardown)")]
public sealed class NotifySlack(SlackReport slackReport) : AsyncFrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) =>
        context.RunsWhen(nameof(NotifySlack), context.Settings.Slack is not null, $"environments.{context.Settings.Environment}.slack is not configured.");

    public override Task RunAsync(DeployContext context) => slackReport.SendAsync(context, succeeded: true, error: null);
}
