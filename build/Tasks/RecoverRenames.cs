using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(RecoverRenames))]
[TaskDescription("Finishes (or reverts) the renames of releases a killed run left half done, from its journal or the engine's names; removes no release")]
[IsDependentOn(typeof(DockerPreflight))]
[IsDependentOn(typeof(Lock))]
public sealed class RecoverRenames(RenameJournal journal) : AsyncFrostingTask<DeployContext>
{
    // Before anything reads the names (SkipIfLive, Reconcile, a backup or a swap): they must say what was live and previous.
    public override Task RunAsync(DeployContext context) => journal.RecoverAsync(context.Settings);
}
