using Cake.Core.Diagnostics;
using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(BackupBeforeChange))]
[TaskDescription("Backs up --env's Redis before Deploy or Rollback changes anything, when backups.beforeDeploy is on (prod by default); a failed backup stops the run (--skip-backup goes without)")]
[IsDependentOn(typeof(Lock))]
public sealed class BackupBeforeChange(RedisSnapshot snapshot) : AsyncFrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) =>
        context.RunsWhen(nameof(BackupBeforeChange), context.Settings.Backups.BeforeDeploy && !context.SkipBackup,
            context.SkipBackup ? "--skip-backup was given." : $"backups.beforeDeploy is off for {context.Settings.Environment}.");

    public override async Task RunAsync(DeployContext context)
    {
        var settings = context.Settings;
        if (!await snapshot.HasRedisAsync(settings))
        {
            context.Log.Information("Redis {0} does not exist yet: nothing to back up.", settings.LocalRedis!.Container);
            return;
        }

        try
        {
            await snapshot.TakeAsync(settings);
        }
        catch (RedisBackupException ex)
        {
            throw new RedisBackupException(
                $"{ex.Message.TrimEnd('.')}; {context.TargetName} stopped before changing anything. Fix that and run again, or pass --skip-backup to go on without a backup.");
        }
    }
}
