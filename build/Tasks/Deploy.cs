using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Deploy))]
[ChangesEnvironment]
[EndsWithWhatIsLive]
[TaskDescription("Deploys the app to --env: pull, install, build, run the new release, health-check it, switch traffic (behind a proxy: with no downtime), tell Slack; the commit already live changes nothing unless --force")]
[IsDependentOn(typeof(Lock))]
[IsDependentOn(typeof(CheckNodes))]
// Under the lock, before anything changes: a deploy that goes wrong can still lose no data.
[IsDependentOn(typeof(BackupBeforeChange))]
[IsDependentOn(typeof(RecoverRenames))]
[IsDependentOn(typeof(Clean))]
// Before the checkout, the packages or the image change: a Redis the app could not use stops the run while nothing of the app was touched.
[IsDependentOn(typeof(StartRedis))]
[IsDependentOn(typeof(GitPull))]
[IsDependentOn(typeof(ReadVersion))]
[IsDependentOn(typeof(SkipIfLive))]
[IsDependentOn(typeof(NpmInstall))]
[IsDependentOn(typeof(BuildImage))]
[IsDependentOn(typeof(SkipIfOlderImage))]
[IsDependentOn(typeof(EnsureProxy))]
[IsDependentOn(typeof(Reconcile))]
[IsDependentOn(typeof(BackupContainer))]
[IsDependentOn(typeof(RunContainer))]
[IsDependentOn(typeof(HealthCheck))]
[IsDependentOn(typeof(SwitchTraffic))]
[IsDependentOn(typeof(Drain))]
[IsDependentOn(typeof(RemoveOlderBackup))]
[IsDependentOn(typeof(Prune))]
[IsDependentOn(typeof(NotifySlack))]
public sealed class Deploy : FrostingTask<DeployContext>;
