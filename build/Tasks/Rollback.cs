using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Rollback))]
[ChangesEnvironment]
[TaskDescription("Incident button: brings back the previous version of --env (or --to=SHA), health-checks it, switches to it and tells Slack; run it again to roll forward")]
[IsDependentOn(typeof(Lock))]
[IsDependentOn(typeof(RecoverRenames))]
[IsDependentOn(typeof(Reconcile))]
[IsDependentOn(typeof(RestorePrevious))]
[IsDependentOn(typeof(HealthCheck))]
[IsDependentOn(typeof(SwitchTraffic))]
[IsDependentOn(typeof(Drain))]
[IsDependentOn(typeof(NotifySlack))]
public sealed class Rollback : FrostingTask<DeployContext>;
