using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Restore))]
[ChangesEnvironment]
[TaskDescription("Puts a backup (--from=latest or a file Backups lists) back into --env's own Redis under the lock: the current data is backed up first, the app stops meanwhile; a Redis given by URL is refused with the manual steps")]
[IsDependentOn(typeof(Lock))]
public sealed class Restore(RedisRestore restore) : AsyncFrostingTask<DeployContext>
{
    public override Task RunAsync(DeployContext context) =>
        restore.RestoreAsync(context, context.BackupFrom ?? throw new RedisBackupException(
            $"Restore needs --from: --from=latest for the newest backup, or a file --target=Backups --env={context.Settings.Environment} lists; it replaces all of the Redis's data."));
}
