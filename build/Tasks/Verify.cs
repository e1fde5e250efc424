using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Verify))]
[ReadOnly]
[TaskDescription("Proves --env's latest backup (or --from) restores: its SHA-256 matches its sidecar, and a throwaway Redis loads it with the keys the sidecar says")]
[IsDependentOn(typeof(DockerPreflight))]
public sealed class Verify(BackupVerifier verifier) : AsyncFrostingTask<DeployContext>
{
    public override Task RunAsync(DeployContext context) => verifier.VerifyAsync(context.ReadOnlySettings, context.BackupFrom);
}
