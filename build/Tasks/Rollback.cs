using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Rollback))]
[ChangesEnvironment]
[EndsWithWhatIsLive]
[TaskDescription("Incident button: brings back the previous version of --env (or --to=SHA), health-checks it, switches to it and tells Slack; run it again to roll forward")]
[IsDependentOn(typeof(Lock))]
[IsDependentOn(typeof(CheckNodes))]
// Under the lock, before anything changes: a deploy that goes wrong can still lose no data.
[IsDependentOn(typeof(BackupBeforeChange))]
[IsDependentOn(typeof(RecoverRenames))]
[IsDependentOn(typeof(Reconcile))]
[IsDependentOn(typeof(RestorePrevious))]
[IsDependentOn(typeof(HealthCheck))]
[IsDependentOn(typeof(SwitchTraffic))]
[IsDependentOn(typeof(Drain))]
[IsDependentOn(typeof(NotifySlack))]
public sealed class Rollback : FrostingTask<DeployContext>;
