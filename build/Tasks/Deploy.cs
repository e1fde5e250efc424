using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Deploy))]
[TaskDescription("Deploys the app to --env: pull, install, build, back up the live container, run the new one, health-check it, tell Slack")]
[IsDependentOn(typeof(Lock))]
[IsDependentOn(typeof(Clean))]
[IsDependentOn(typeof(GitPull))]
[IsDependentOn(typeof(ReadVersion))]
[IsDependentOn(typeof(NpmInstall))]
[IsDependentOn(typeof(BuildImage))]
[IsDependentOn(typeof(StartRedis))]
[IsDependentOn(typeof(BackupContainer))]
[IsDependentOn(typeof(RunContainer))]
[IsDependentOn(typeof(HealthCheck))]
[IsDependentOn(typeof(RemoveOlderBackup))]
[IsDependentOn(typeof(NotifySlack))]
public sealed class Deploy : FrostingTask<DeployContext>;
