using System.Diagnostics;
using System.Formats.Tar;
using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Releases;

/// <summary>
/// The code a release mounts at /app when its environment mounts the source but not the checkout (stage): a tree of the
/// release's own commit, with the node_modules NpmInstall prepared for it, mounted read-only. A restart or a rollback then
/// runs the release's own code, never whatever the checkout holds by then. The trees live in the data home, not in
/// .deploy: 'rm -rf .deploy' or 'git clean -xfd' would otherwise empty /app under running releases, and the next restart
/// would find nothing to run. A tree goes as soon as no container of the environment is labelled with it.
/// </summary>
public sealed class ReleaseTrees(DockerConnector docker, GitRepository git, ICakeLog log)
{
    private const string Packages = "node_modules";

    public static string Folder(DeploySettings settings) => Path.Combine(DataHome.For(settings.AppName, settings.Environment), "releases");

    /// <summary>The tree of <paramref name="version"/>, made from the checkout's git objects when it is not there yet; returns its folder.</summary>
    public string Ensure(DeploySettings settings, ReleaseVersion version)
    {
        // A release with uncommitted changes is the working tree's tracked files, named after their snapshot: the same
        // commit deployed with other changes is other code.
        var snapshot = version.Dirty ? git.UncommittedSnapshot(settings.AppFolder) : null;
        var tree = Path.Combine(Folder(settings), snapshot is null ? version.Commit : $"{version.Commit}-dirty-{snapshot[..12]}");
        if (Directory.Exists(tree))
        {
            return tree;
        }

        var clock = Stopwatch.StartNew();
        // Built aside and renamed into place, so a killed run never leaves a half tree under a release's name.
        var partial = tree + ".partial";
        if (Directory.Exists(partial))
        {
            Directory.Delete(partial, recursive: true);
        }

        // The environment's data folder also holds its Redis data and secrets: created private, as everywhere else.
        DataHome.CreatePrivate(Folder(settings));
        Directory.CreateDirectory(partial);
        var tar = partial + ".tar";
        try
        {
            git.Archive(settings.AppFolder, snapshot ?? version.Commit, tar);
            TarFile.ExtractToDirectory(tar, partial, overwriteFiles: false);
        }
        finally
        {
            File.Delete(tar);
        }

        var packages = Path.Combine(settings.AppFolder, Packages);
        if (Directory.Exists(packages))
        {
            // A copy, not hard links: npm rewrites files in place on a later install, and the release must keep its own.
            Copy(new DirectoryInfo(packages), Path.Combine(partial, Packages));
        }

        Directory.Move(partial, tree);
        log.Information("Release {0}'s code is in {1} ({2:0.0} s), mounted read-only: a restart or a rollback runs it whatever the checkout holds.",
            version.Tag, tree, clock.Elapsed.TotalSeconds);
        return tree;
    }

    /// <summary>Removes the trees no container of the environment mounts any more (pruned, replaced, or left by a killed run).</summary>
    public async Task RemoveUnusedAsync(DeploySettings settings)
    {
        var folder = Folder(settings);
        if (!Directory.Exists(folder))
        {
            return;
        }

        var used = (await docker.Engine.ListContainersAsync($"{ReleaseNames.ServiceLabel}={settings.Container}"))
            .Select(c => c.Labels.GetValueOrDefault(ReleaseNames.SourceTreeLabel))
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);
        foreach (var tree in Directory.EnumerateDirectories(folder).Where(t => !used.Contains(Path.GetFileName(t))))
        {
            try
            {
                Directory.Delete(tree, recursive: true);
                log.Information("Removed the code of {0}: no release of {1} mounts it any more.", Path.GetFileName(tree), settings.Environment);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The new release already serves: a tree that cannot go now costs disk space, not the deploy; the next one tries again.
                log.Warning("Could not remove {0} ({1}); the next deploy tries again, or delete it by hand.", tree, ex.Message);
            }
        }
    }

    private static void Copy(DirectoryInfo source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var entry in source.EnumerateFileSystemInfos())
        {
            var destination = Path.Combine(target, entry.Name);
            if (entry.LinkTarget is { } link)
            {
                // node_modules/.bin holds relative links; they point into the copy as they pointed into the original.
                File.CreateSymbolicLink(destination, link);
            }
            else if (entry is DirectoryInfo directory)
            {
                Copy(directory, destination);
            }
            else
            {
                File.Copy(entry.FullName, destination);
            }
        }
    }
}
