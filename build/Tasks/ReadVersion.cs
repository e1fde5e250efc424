using Cake.Core.Diagnostics;
using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(ReadVersion))]
[TaskDescription("Takes the checked-out commit as the release version (image tag, labels, APP_VERSION/APP_COMMIT)")]
public sealed class ReadVersion(GitRepository git) : FrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) =>
        context.RunsWhen(nameof(ReadVersion), context.PullImage is null, $"{context.Settings.Environment} pulls {context.PullImage}: the image's tag names the release.");

    public override void Run(DeployContext context)
    {
        var folder = context.Settings.AppFolder;
        if (!git.IsRepository(folder))
        {
            throw new GitException($"{folder} is not a git checkout, so the release has no version; run 'git init' and commit the app, or point app.folder at a clone.");
        }

        var head = git.Head(folder);
        if (context.Sha is not null && !head.StartsWith(context.Sha, StringComparison.Ordinal))
        {
            throw new GitException($"--sha={context.Sha} was asked for but {folder} is at {head[..12]}; --sha needs gitPull enabled for this environment.");
        }

        context.Run.Version = new ReleaseVersion(head, git.ChangedFiles(folder, ".").Count > 0);
        context.Log.Information("Release version {0} (commit {1}){2}.", context.Run.Version.Tag, head,
            context.Run.Version.Dirty ? ", with uncommitted changes" : "");
    }
}
