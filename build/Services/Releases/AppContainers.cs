using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Releases;

/// <summary>
/// The app's containers in one environment, under the old script's names: NAME is live, NAME_previous is the
/// backup (so 'docker start NAME_previous' still works by hand), NAME_failed is a release that failed its health check.
/// </summary>
public sealed class AppContainers(DockerConnector docker, ReleaseTrees trees, RenameJournal journal, ICakeLog log)
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    /// <summary>The restart policy of a release out of service: an engine restart or a reboot must not start it again.</summary>
    public const string OutOfServicePolicy = "no";

    private DockerEngine Engine => docker.Engine;

    public Task<ContainerInfo?> LiveAsync(DeploySettings settings) => Engine.InspectContainerAsync(settings.Container);

    public Task<ContainerInfo?> PreviousAsync(DeploySettings settings) => Engine.InspectContainerAsync(settings.PreviousContainer);

    public Task<ContainerInfo?> InspectAsync(string container) => Engine.InspectContainerAsync(container);

    /// <summary>
    /// The seed's backup step: the live container becomes NAME_previous. The backup it replaces is kept as NAME_older
    /// until the new release is healthy, so a failed deploy leaves both rollback targets as they were.
    /// </summary>
    /// <returns>The container that was live, if there was one.</returns>
    public async Task<ContainerInfo?> BackupLiveAsync(DeploySettings settings)
    {
        var live = await LiveAsync(settings);
        if (live is null)
        {
            log.Information("No live {0} yet: nothing to back up.", settings.Container);
            return null;
        }

        // The new container needs the published ports, so the old one stops before it starts; out of service first, so
        // that an engine restart from here on does not bring it back beside the new release. Until the renames are done
        // nothing moved for good: a failure on the way, or a kill, puts the live release back serving under its own name.
        var before = new List<ReleasePlace> { new(live.Id, settings.Container, settings.Restart, live.Running ? true : null) };
        var after = new List<ReleasePlace> { new(live.Id, settings.PreviousContainer, OutOfServicePolicy, Running: false) };
        if (await PreviousAsync(settings) is { } previous)
        {
            await Engine.RemoveContainerAsync(settings.OlderContainer);
            before.Add(new ReleasePlace(previous.Id, settings.PreviousContainer));
            after.Add(new ReleasePlace(previous.Id, settings.OlderContainer));
        }

        await journal.ChangeAsync(settings, "backup of the live release", revert: true, before, after);
        log.Information("{0} ({1}) is now {2}.", settings.Container, VersionOf(live), settings.PreviousContainer);
        return live;
    }

    /// <summary>
    /// Without a proxy the live release is the one that serves. After the seed's manual rollback (docker stop NAME; docker
    /// start NAME_previous) NAME_previous runs and holds the published ports while NAME is stopped: the names are swapped
    /// to match, so the backup stops the release that serves (freeing its ports for the new one) and a failed deploy
    /// brings that release back.
    /// </summary>
    public async Task FollowManualRollbackAsync(DeploySettings settings)
    {
        if (await LiveAsync(settings) is { Running: false } live && await PreviousAsync(settings) is { Running: true } previous)
        {
            log.Information("{0} ({1}) serves and {2} ({3}) is stopped, a rollback by hand: names follow what serves.",
                settings.PreviousContainer, VersionOf(previous), settings.Container, VersionOf(live));
            await SwapWithPreviousAsync(settings);
        }
    }

    /// <summary>After a healthy release: the backup it replaced goes, as deploy_kaha.sh's "older _previous is removed".</summary>
    public async Task RemoveOlderBackupAsync(DeploySettings settings)
    {
        if (await Engine.InspectContainerAsync(settings.OlderContainer) is not { } older)
        {
            return;
        }

        if (await PreviousAsync(settings) is { } previous && await LiveAsync(settings) is { } live
            && SameRelease(previous, live) && !SameRelease(older, live))
        {
            // The live release deployed again over itself (dev restarting on its checkout, --force) made its own old
            // container the backup, and a rollback to it would change nothing: the older backup, another release, stays
            // the one to roll back to. Removed first, then renamed: a kill in between leaves NAME_older without a
            // NAME_previous, which the next run names NAME_previous again.
            await Engine.RemoveContainerAsync(previous.Id);
            await Engine.RenameContainerAsync(older.Id, settings.PreviousContainer);
            log.Information("{0} replaced a container of the same release ({1}): {2} stays {3}, the release a rollback brings back.",
                settings.Container, VersionOf(live), settings.PreviousContainer, VersionOf(older));
            return;
        }

        await Engine.RemoveContainerAsync(settings.OlderContainer);
        log.Information("Removed the older backup ({0}).", VersionOf(older));
    }

    /// <summary>The same commit, version and settings: what SkipIfLive calls already live.</summary>
    private static bool SameRelease(ContainerInfo one, ContainerInfo other) =>
        CommitOf(one) is { } commit && commit == CommitOf(other) && VersionOf(one) == VersionOf(other)
        && one.Labels.GetValueOrDefault(ReleaseNames.SettingsLabel) == other.Labels.GetValueOrDefault(ReleaseNames.SettingsLabel);

    public Task RunReleaseAsync(DeploySettings settings, ReleaseVersion version, string image, string performer) =>
        CreateReleaseAsync(settings, settings.Container, version, image, performer, published: true, aliases: [], extraLabels: new Dictionary<string, string>());

    /// <summary>Creates and starts an app container with the environment's options.</summary>
    /// <param name="published">false behind a proxy: the proxy publishes the ports, the app only joins the network.</param>
    /// <param name="cpuShares">the container's CPU weight; 0 for the engine's default.</param>
    public async Task CreateReleaseAsync(
        DeploySettings settings, string name, ReleaseVersion version, string image, string performer,
        bool published, IReadOnlyList<string> aliases, IReadOnlyDictionary<string, string> extraLabels, int cpuShares = 0)
    {
        await Engine.EnsureNetworkAsync(settings.Network, new Dictionary<string, string> { [ReleaseNames.AppLabel] = settings.AppName });
        var environment = ReleaseEnvironment(settings, version);
        var labels = new Dictionary<string, string>(extraLabels);
        foreach (var (key, value) in ReleaseLabels(settings, version, performer))
        {
            labels[key] = value;
        }

        var binds = settings.Volumes.ToList();
        var tree = settings.MountSource && !settings.MountCheckout ? trees.Ensure(settings, version) : null;
        if (tree is not null)
        {
            binds.Add($"{tree}:/app:ro");
            labels[ReleaseNames.SourceTreeLabel] = Path.GetFileName(tree);
        }
        else if (settings.MountSource)
        {
            binds.Add($"{settings.AppFolder}:/app");
        }

        var ports = published ? settings.Ports.Select(p => new PublishedPort(p.HostIp, p.HostPort, p.ContainerPort)).ToList() : [];
        await Engine.CreateAndStartContainerAsync(new ContainerSpec(name, image, environment, ports, binds, settings.Network, aliases, labels, settings.Restart, null, cpuShares));
        log.Information("Started {0} from {1}{2}.", name, image, tree is not null ? $" with its own code ({tree}) mounted read-only at /app"
            : settings.MountSource ? $" with {settings.AppFolder} mounted at /app" : "");
    }

    /// <summary>
    /// After a failed health check: the failing live container is stopped and kept as NAME_failed for inspection,
    /// NAME_previous is brought back as NAME, and NAME_older (if a deploy parked one) is NAME_previous again.
    /// </summary>
    /// <returns>Whether a previous version was brought back.</returns>
    public async Task<bool> RestorePreviousAsync(DeploySettings settings)
    {
        var live = await LiveAsync(settings);
        var previous = await PreviousAsync(settings);
        var older = await Engine.InspectContainerAsync(settings.OlderContainer);
        var after = new List<ReleasePlace>();
        if (live is not null)
        {
            await Engine.RemoveContainerAsync(settings.FailedContainer);
            after.Add(new ReleasePlace(live.Id, settings.FailedContainer, OutOfServicePolicy, Running: false));
        }

        if (previous is not null)
        {
            previous = await PublishAsConfiguredAsync(settings, previous);
            after.Add(new ReleasePlace(previous.Id, settings.Container, settings.Restart, Running: true));
            if (older is not null)
            {
                after.Add(new ReleasePlace(older.Id, settings.PreviousContainer));
            }
        }

        // The failing release has served its chance: a kill on the way finishes bringing the previous one back.
        await journal.ChangeAsync(settings, "restore of the previous release", revert: false, before: [], after);
        if (live is not null)
        {
            log.Warning("Kept the failing container as {0} for inspection (docker logs {0}).", settings.FailedContainer);
        }

        if (previous is not null)
        {
            log.Warning("Brought {0} ({1}) back as {2}.", settings.PreviousContainer, VersionOf(previous), settings.Container);
            return true;
        }

        log.Warning("There was no {0} to bring back.", settings.PreviousContainer);
        return false;
    }

    /// <summary>Makes NAME_previous live and keeps the replaced one as NAME_previous, so a second swap rolls forward.</summary>
    /// <returns>The container now live, and the one it replaced (if any).</returns>
    public async Task<(ContainerInfo Restored, ContainerInfo? Replaced)> SwapWithPreviousAsync(DeploySettings settings)
    {
        var previous = await PreviousAsync(settings)
                       ?? throw new RollbackImpossibleException(
                           $"There is no {settings.PreviousContainer} to roll back to; deploy a known good commit instead (--target=Deploy --sha=COMMIT).");
        var live = await LiveAsync(settings);
        previous = await PublishAsConfiguredAsync(settings, previous);
        var before = new List<ReleasePlace> { new(previous.Id, settings.PreviousContainer, previous.Running ? null : OutOfServicePolicy, previous.Running ? null : false) };
        if (live is not null)
        {
            before.Add(new ReleasePlace(live.Id, settings.Container, settings.Restart, live.Running ? true : null));
        }

        // Until HealthCheck passes, the run that asked for the swap may still fail: a kill on the way puts the releases back,
        // so that the next Rollback (or Deploy) starts from the names the user knows.
        await journal.HandOverAsync(settings, "rollback swap", revert: true, before, previous, live, standbyCpuShares: null);
        log.Information("{0} now runs {1}{2}.", settings.Container, VersionOf(previous),
            live is null ? "" : $"; {VersionOf(live)} is kept as {settings.PreviousContainer}");
        return (previous, live);
    }

    /// <summary>
    /// Without a proxy, a release brought back as NAME publishes the ports configured now, not those it was created
    /// with: traffic, the health check and whatever sits in front were moved to the configured port by the deploys
    /// since, so serving the old release on its old port would be an outage that the health check then blames on it.
    /// </summary>
    /// <remarks>Done while the release is still NAME_previous: the engine gives the republished container a new id, which the rename journal then names.</remarks>
    private async Task<ContainerInfo> PublishAsConfiguredAsync(DeploySettings settings, ContainerInfo release)
    {
        if (settings.Proxy is not null)
        {
            return release;
        }

        var configured = settings.Ports.Select(p => new PublishedPort(p.HostIp, p.HostPort, p.ContainerPort)).ToList();
        if (release.Ports.Select(p => p.ToString()).Order(StringComparer.Ordinal).SequenceEqual(configured.Select(p => p.ToString()).Order(StringComparer.Ordinal)))
        {
            return release;
        }

        await Engine.RepublishContainerAsync(release.Name, configured);
        log.Information("Republished {0} on {1}, the configured port (it was created with {2}).",
            settings.Container, string.Join(", ", configured), string.Join(", ", release.Ports));
        return (await InspectAsync(release.Name))!;
    }

    /// <summary>Running, and not in a crash loop (the restart policy keeps a crashing app "restarting").</summary>
    public async Task<bool> IsUpAsync(DeploySettings settings) =>
        (await LiveAsync(settings)) is { Running: true, State: "running" };

    public Task<string> LogsAsync(string container, int tail) => Engine.GetContainerLogsAsync(container, tail);

    /// <summary>The live app's own output, line by line; with --follow until it stops.</summary>
    public async Task StreamLogsAsync(DeploySettings settings, LogQuery query, Action<ContainerLogLine> output)
    {
        var live = await LiveAsync(settings)
                   ?? throw new ContainerMissingException(
                       $"There is no {settings.Container} in {settings.Environment}, so it has no output; deploy it first (--target=Deploy --env={settings.Environment}).");
        await Engine.StreamContainerLogsAsync(live.Id, query, output);
    }

    /// <summary>The app's environment variables: the configured ones, the release it is, its port and its Redis.</summary>
    public static Dictionary<string, string> ReleaseEnvironment(DeploySettings settings, ReleaseVersion version)
    {
        var environment = new Dictionary<string, string>(settings.Env)
        {
            ["APP_VERSION"] = version.Tag,
            ["APP_COMMIT"] = version.Commit,
            ["PORT"] = settings.AppPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (settings.RedisUrl is not null)
        {
            environment[settings.RedisEnvVar] = settings.RedisUrl;
        }

        return environment;
    }

    /// <summary>What says which release a container (or a swarm's service and its tasks) runs, who deployed it, when, from where.</summary>
    public static Dictionary<string, string> ReleaseLabels(DeploySettings settings, ReleaseVersion version, string performer) => new()
    {
        [ReleaseNames.AppLabel] = settings.AppName,
        [ReleaseNames.EnvironmentLabel] = settings.Environment,
        [ReleaseNames.ServiceLabel] = settings.Container,
        [ReleaseNames.RoleLabel] = "app",
        [ReleaseNames.VersionLabel] = version.Tag,
        [ReleaseNames.CommitLabel] = version.Commit,
        [ReleaseNames.DeployedByLabel] = performer,
        [ReleaseNames.DeployedAtLabel] = DateTimeOffset.UtcNow.ToString("O"),
        [ReleaseNames.SettingsLabel] = SettingsDigest(settings),
        [ReleaseNames.CheckoutLabel] = EnvironmentOwner.CheckoutOf(settings),
    };

    /// <summary>
    /// What a release's container is created with besides its image (environment, Redis URL, ports, volumes, network,
    /// restart policy), hashed: the same commit with a changed configuration or secret is a new release. The values are
    /// in the container's own configuration anyway, so the digest tells nobody more than 'docker inspect' does.
    /// </summary>
    public static string SettingsDigest(DeploySettings settings)
    {
        var lines = settings.Env.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"env {e.Key}={e.Value}")
            .Append($"redis {settings.RedisEnvVar}={settings.RedisUrl}")
            .Concat(settings.Ports.Select(p => $"port {p}"))
            .Concat(settings.Volumes.Select(v => $"volume {v}"))
            // "(release tree)": a release made before release trees mounted the checkout, so the same commit is deployed again onto its own tree.
            .Append($"app port {settings.AppPort}, source mounted {settings.MountSource}{(settings.MountSource && !settings.MountCheckout ? " (release tree)" : "")}, network {settings.Network}, restart {settings.Restart}");
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines))));
    }

    public static string VersionOf(ContainerInfo container) =>
        container.Labels.TryGetValue(ReleaseNames.VersionLabel, out var version) ? version : container.ImageReference;

    public static string? CommitOf(ContainerInfo? container) => container?.Labels.GetValueOrDefault(ReleaseNames.CommitLabel);

    /// <summary>The release a container of this tool runs, from its labels.</summary>
    public static ReleaseVersion? ReleaseOf(ContainerInfo container) =>
        CommitOf(container) is { } commit ? new ReleaseVersion(commit, VersionOf(container).EndsWith("-dirty", StringComparison.Ordinal)) : null;
}

public sealed class RollbackImpossibleException(string message) : Exception(message);

public sealed class ContainerMissingException(string message) : Exception(message);
