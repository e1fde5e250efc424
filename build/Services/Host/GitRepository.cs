using Cake.Core.Diagnostics;
using Cake.Core.IO;

namespace KahaDeploy.Services.Host;

/// <summary>The app checkout, driven through the git program (it uses the server's own keys and credential helpers).</summary>
public sealed class GitRepository(IProcessRunner processes, ICakeLog log)
{
    private static readonly Dictionary<string, string> GitEnvironment = new() { ["GIT_TERMINAL_PROMPT"] = "0", ["LC_ALL"] = "C" };

    public bool IsRepository(string folder) => Git(folder, "rev-parse --is-inside-work-tree").ExitCode == 0;

    public string Head(string folder) => Require(folder, "rev-parse --verify HEAD", "read the checked-out commit").Trim();

    /// <summary>Tracked files changed but not committed.</summary>
    public IReadOnlyList<string> ChangedFiles(string folder, string pathspec = ":/") =>
        Require(folder, $"status --porcelain --untracked-files=no -- {pathspec}", "read the working tree status")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Length > 3 ? line[3..] : line)
            .ToList();

    /// <summary>The user.name git signs commits with in <paramref name="folder"/>, or null when none is set.</summary>
    public string? UserName(string folder)
    {
        var result = Git(folder, "config user.name");
        return result.ExitCode == 0 && result.Output.Trim() is { Length: > 0 } name ? name : null;
    }

    /// <summary>The first line of <paramref name="commit"/>'s message, or null when the checkout does not have that commit.</summary>
    public string? Subject(string folder, string commit)
    {
        var result = Git(folder, $"log -1 --format=%s {commit} --");
        return result.ExitCode == 0 ? result.Output.Trim() : null;
    }

    /// <summary>
    /// A commit holding the working tree's uncommitted changes to tracked files, made without touching the checkout
    /// (git stash create); null when there are none.
    /// </summary>
    public string? UncommittedSnapshot(string folder) =>
        Require(folder, "stash create", "record the uncommitted changes").Trim() is { Length: > 0 } snapshot ? snapshot : null;

    /// <summary>Writes the files of <paramref name="treeish"/> to <paramref name="tarFile"/> (git archive), whatever is checked out.</summary>
    public void Archive(string folder, string treeish, string tarFile) =>
        Require(folder, $"archive --format=tar -o \"{tarFile}\" {treeish}", $"export the files of {treeish}");

    public string? RemoteUrl(string folder, string remote)
    {
        var result = Git(folder, $"remote get-url {remote}");
        return result.ExitCode == 0 ? WithoutCredentials(result.Output.Trim()) : null;
    }

    /// <summary>
    /// Brings the checkout to <paramref name="sha"/> (or the remote branch head) without losing a commit:
    /// refuses a dirty tree, a commit that is not on the remote branch, and a checkout the remote branch does not contain.
    /// </summary>
    public string FastForward(string folder, string remote, string branch, string? sha)
    {
        if (!IsRepository(folder))
        {
            throw new GitException($"{folder} is not a git checkout; clone the app there (git clone URL {folder}) or set app.folder.");
        }

        var changed = ChangedFiles(folder);
        if (changed.Count > 0)
        {
            throw new GitException(
                $"The checkout {folder} has uncommitted changes ({string.Join(", ", changed.Take(3))}{(changed.Count > 3 ? ", ..." : "")}); commit and push them, or run 'git stash', then deploy again.");
        }

        var tracking = Fetch(folder, remote, branch);

        var target = sha ?? tracking;
        var resolved = Git(folder, $"rev-parse --verify --quiet {target}^{{commit}}");
        if (resolved.ExitCode != 0)
        {
            throw new GitException($"Commit {target} is not in {folder} after fetching {tracking}; push it first or check the id.");
        }

        var commit = resolved.Output.Trim();
        if (sha is not null && Git(folder, $"merge-base --is-ancestor {commit} {tracking}").ExitCode != 0)
        {
            throw new GitException($"Commit {sha} is not on {tracking}; deploy only commits that are on the deployed branch (push or merge it first).");
        }

        var head = Head(folder);
        if (Git(folder, $"merge-base --is-ancestor {head} {tracking}").ExitCode != 0)
        {
            throw new GitException(
                $"{tracking} does not contain the checked-out commit {head[..12]} (local commits or a force-push: not a fast-forward); the tool will not discard history, so reset {folder} by hand.");
        }

        Require(folder, $"checkout --quiet -B {branch} {commit}", $"check out {commit[..12]}");
        log.Information("{0} is at {1}.", folder, commit[..12]);
        return commit;
    }

    /// <summary>Fetches <paramref name="branch"/> from <paramref name="remote"/> into its tracking ref; returns that ref (origin/master).</summary>
    public string Fetch(string folder, string remote, string branch)
    {
        var tracking = $"{remote}/{branch}";
        log.Information("Fetching {0} from {1}.", branch, remote);
        Require(folder, $"fetch --quiet {remote} +refs/heads/{branch}:refs/remotes/{tracking}", $"fetch {branch} from {remote}");
        return tracking;
    }

    /// <summary>
    /// Whether <paramref name="commit"/> is <paramref name="of"/> or one of its ancestors; false when the checkout lacks either.
    /// A checkout that has a commit has all its ancestors, so "older than a commit we have" needs no fetch.
    /// </summary>
    public bool IsAncestor(string folder, string commit, string of) => Git(folder, $"merge-base --is-ancestor {commit} {of}").ExitCode == 0;

    /// <summary>
    /// <paramref name="of"/> and its ancestors (full commit ids), the newest <paramref name="limit"/> of them; null when the
    /// checkout lacks it. One git run answers "is this older?" for every commit a burst of pushes names.
    /// </summary>
    public IReadOnlySet<string>? AncestorsOf(string folder, string of, int limit)
    {
        var result = Git(folder, $"rev-list --max-count={limit} {of}");
        return result.ExitCode == 0
            ? result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase)
            : null;
    }

    /// <summary>
    /// Those of <paramref name="commits"/> that no other one contains (git merge-base --independent): one when they lie on
    /// one line of history (it is the newest), several when they diverged; null when the checkout lacks one of them.
    /// </summary>
    public IReadOnlyList<string>? Newest(string folder, IReadOnlyCollection<string> commits)
    {
        var result = Git(folder, $"merge-base --independent {string.Join(' ', commits)}");
        return result.ExitCode == 0 ? result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;
    }

    private string Require(string folder, string arguments, string what)
    {
        var result = Git(folder, arguments);
        return result.ExitCode == 0 ? result.Output : throw new GitException($"git could not {what} in {folder}: {result.Reason}");
    }

    private CapturedProcess Git(string folder, string arguments)
    {
        log.Debug("git {0}", arguments);
        return processes.Capture("git", arguments, folder, GitEnvironment);
    }

    private static string WithoutCredentials(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.UserInfo)
            ? new UriBuilder(uri) { UserName = "", Password = "" }.Uri.ToString()
            : url;
}

public sealed class GitException(string message) : Exception(message);
