using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Rollback))]
[TaskDescription("Incident button: brings back the previous version of --env, health-checks it and tells Slack; run it again to roll forward")]
[IsDependentOn(typeof(Lock))]
[IsDependentOn(typeof(RestorePrevious))]
[IsDependentOn(typeof(HealthCheck))]
[IsDependentOn(typeof(NotifySlack))]
public sealed class Rollback : FrostingTask<DeployContext>;
