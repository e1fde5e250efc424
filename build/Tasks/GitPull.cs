using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(GitPull))]
[TaskDescription("Fetches and fast-forwards the app checkout to the configured branch, or to --sha; refuses a dirty tree or a non-fast-forward")]
public sealed class GitPull(GitRepository git) : FrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) =>
        context.RunsWhen(nameof(GitPull), context.Settings.GitPull, $"environments.{context.Settings.Environment}.gitPull is false: the checkout is deployed as it is.");

    public override void Run(DeployContext context)
    {
        context.Run.StartChanges();
        git.FastForward(context.Settings.AppFolder, context.Settings.Remote, context.Settings.Branch, context.Sha);
    }
}
