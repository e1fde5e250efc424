using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Backup))]
[TaskDescription("Takes a consistent snapshot of --env's Redis into backups.folder (an RDB file and its sidecar .json), then removes what backups.keep and backups.dailyDays no longer keep")]
[IsDependentOn(typeof(DockerPreflight))]
public sealed class Backup(RedisSnapshot snapshot) : AsyncFrostingTask<DeployContext>
{
    public override Task RunAsync(DeployContext context) => snapshot.TakeAsync(context.Settings);
}
