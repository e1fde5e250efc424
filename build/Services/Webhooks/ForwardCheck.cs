using System.Collections.Concurrent;
using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Webhooks;

/// <summary>
/// A push deploy only moves an environment forward: a pushed commit that is the live one or older is ignored, and of the
/// pushes folded into one deploy the newest runs, whatever order they came in. The ancestry comes from the app checkout
/// (git); the deploy itself checks again when it starts (--only-forward), since the live commit may move while it waits.
/// </summary>
public sealed class ForwardCheck(GitRepository git, AppContainers containers, ICakeLog log)
{
    /// <summary>A burst of pushes asks the engine for the live commit once a second, not once a push.</summary>
    private static readonly TimeSpan LiveKept = TimeSpan.FromSeconds(1);

    private readonly object _refreshing = new();

    /// <summary>How far back a push is recognised as older at once; an older one still is, by the deploy's own check.</summary>
    private const int AncestorsRead = 100_000;

    /// <summary>The ancestries of the last few live commits: a new one comes with each deploy.</summary>
    private const int AncestriesKept = 4;

    /// <summary>How long a push waits for a live commit's ancestry before it is accepted for its deploy to check.</summary>
    private static readonly TimeSpan AncestryWait = TimeSpan.FromMilliseconds(20);

    private readonly ConcurrentDictionary<string, Task<(string? Commit, DateTimeOffset At)>> _live = new();

    /// <summary>History does not change: a live commit's ancestry, once read, holds for good.</summary>
    private readonly ConcurrentDictionary<(string Folder, string Of), Task<IReadOnlySet<string>?>> _ancestors = new();

    /// <summary>
    /// Why <paramref name="commit"/> must not be deployed to <paramref name="settings"/>'s environment by a push, or null when
    /// it moves it forward. A push does not wait long for a new live commit's ancestry (on a host busy with a deploy, git
    /// may take a while): it is accepted then, and its deploy checks again when it starts (--only-forward).
    /// </summary>
    public async Task<string?> OlderThanLiveAsync(DeploySettings settings, string commit)
    {
        if (await LiveCommitAsync(settings) is not { } live)
        {
            return null;
        }

        var ancestry = AncestryAsync(settings.AppFolder, live);
        return await Task.WhenAny(ancestry, Task.Delay(AncestryWait)) == ancestry && (await ancestry)?.Contains(commit) == true ? Older(commit, live) : null;
    }

    /// <summary>"3f2c1ab is older than the live 9e0d4c1", or "... is the live commit" for the same one.</summary>
    public static string Older(string commit, string live) =>
        commit == live ? $"{Short(commit)} is the live commit" : $"{Short(commit)} is older than the live {Short(live)}";

    private static string Short(string commit) => commit[..Math.Min(7, commit.Length)];

    /// <summary>A deploy of the environment ended: its live commit, and that commit's ancestry, are read now, so no push waits for them.</summary>
    public async Task MovedAsync(DeploySettings settings)
    {
        var live = await ReadLiveAsync(settings);
        _live[settings.Environment] = Task.FromResult(live);
        if (live.Commit is { } commit)
        {
            await AncestryAsync(settings.AppFolder, commit);
        }
    }

    /// <summary>
    /// The request a deploy that folded <paramref name="requests"/> runs: the newest commit when they lie on one line of
    /// history (fetched first when the checkout lacks one), else the last one pushed (a force-push diverged).
    /// </summary>
    public DeployRequest Newest(DeploySettings settings, IReadOnlyList<DeployRequest> requests)
    {
        var last = requests[^1];
        var commits = requests.Select(r => r.Sha).OfType<string>().Distinct().ToList();
        if (commits.Count < 2)
        {
            return last;
        }

        var folder = settings.AppFolder;
        try
        {
            var newest = git.Newest(folder, commits);
            if (newest is null)
            {
                git.Fetch(folder, settings.Remote, settings.Branch);
                newest = git.Newest(folder, commits);
            }

            return newest is [var head] ? requests.Last(r => r.Sha == head) : last;
        }
        catch (GitException ex)
        {
            log.Warning("Could not order the pushes folded into one deploy of {0} ({1}); deploying the last one pushed.", settings.Environment, ex.Message);
            return last;
        }
    }

    /// <summary>
    /// The live commit as last read, refreshed by one engine query when over a second old. A push does not wait for that
    /// query (an engine busy with a deploy's build may take a while): the deploy checks again when it starts.
    /// </summary>
    private async Task<string?> LiveCommitAsync(DeploySettings settings)
    {
        var read = _live.GetOrAdd(settings.Environment, _ => ReadLiveAsync(settings));
        if (read.IsCompletedSuccessfully && DateTimeOffset.UtcNow - read.Result.At >= LiveKept)
        {
            lock (_refreshing)
            {
                if (_live.TryGetValue(settings.Environment, out var current) && current == read)
                {
                    _live[settings.Environment] = ReadLiveAsync(settings);
                }
            }
        }

        return (await read).Commit;
    }

    private async Task<(string? Commit, DateTimeOffset At)> ReadLiveAsync(DeploySettings settings)
    {
        try
        {
            // Only a commit id goes on git's command line (an image's release may carry another version).
            var label = AppContainers.CommitOf(await containers.LiveAsync(settings));
            return (label is not null && label.All(Uri.IsHexDigit) ? label : null, DateTimeOffset.UtcNow);
        }
        catch (DockerEngineException)
        {
            // The engine is away: accept the push; the deploy checks again when it starts.
            return (null, DateTimeOffset.UtcNow);
        }
    }

    /// <summary>
    /// <paramref name="of"/> and its ancestors: one git run per live commit however many pushes ask, naming however many
    /// commits (a bench of ever newer commits at 100 pushes a second started a git process for each), and they wait for it
    /// without holding a thread: a thread per waiting push would starve the pool that answers the others. A checkout that
    /// lacks the live commit is asked again by the next push.
    /// </summary>
    private Task<IReadOnlySet<string>?> AncestryAsync(string folder, string of)
    {
        if (_ancestors.Count >= AncestriesKept)
        {
            _ancestors.Clear();
        }

        var key = (folder, of);
        var read = _ancestors.GetOrAdd(key, Read);
        if (read is { IsCompletedSuccessfully: true, Result: null } && _ancestors.TryRemove(KeyValuePair.Create(key, read)))
        {
            read = _ancestors.GetOrAdd(key, Read);
        }

        return read;

        Task<IReadOnlySet<string>?> Read((string Folder, string Of) live) => Task.Run(() => git.AncestorsOf(live.Folder, live.Of, AncestorsRead));
    }
}
