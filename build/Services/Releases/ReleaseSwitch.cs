using System.Security.Cryptography;
using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Releases;

/// <summary>A release about to take traffic: its container and the network alias the proxy routes to.</summary>
public sealed record Candidate(string Container, string Slot, bool WasRunning)
{
    public string Alias(DeploySettings settings) => $"{settings.Container}-{Slot}";

    public string Destination(DeploySettings settings) => $"http://{Alias(settings)}:{settings.AppPort}";
}

/// <summary>
/// Zero-downtime releases behind the proxy: start beside the live one, health-gate from inside the network,
/// switch the route, drain, keep the replaced release as a warm NAME_previous. Names follow the route, never
/// the other way round, so a run killed at any point is put right by the next one. A release out of rotation (a
/// candidate starting up, a warm standby) runs at a quarter of the engine's CPU weight, so that on a busy host its
/// start-up or idle work waits for the release that serves the traffic, never the other way round.
/// </summary>
public sealed class ReleaseSwitch(
    DockerConnector docker, AppContainers containers, RetainedReleases retained, ProxyAdmin admin, RenameJournal journal, HealthProbe probe, ICakeLog log)
{
    private const int ServingCpuShares = 1024;
    private const int OutOfRotationCpuShares = 256;
    private const int WarmupConcurrency = 16;

    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>How often the public port is asked whether the new release answers, after the switch.</summary>
    private const int ConfirmAttempts = 25;

    private DockerEngine Engine => docker.Engine;

    public async Task<Candidate> StartCandidateAsync(DeploySettings settings, ReleaseVersion version, string image, string performer)
    {
        await Engine.RemoveContainerAsync(settings.CandidateContainer);
        var slot = Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        var candidate = new Candidate(settings.CandidateContainer, slot, WasRunning: false);
        await containers.CreateReleaseAsync(settings, candidate.Container, version, image, performer,
            published: false, aliases: [candidate.Alias(settings)], extraLabels: new Dictionary<string, string> { [ReleaseNames.SlotLabel] = slot },
            cpuShares: OutOfRotationCpuShares);
        log.Information("Started {0} ({1}) beside the live release.", candidate.Container, version.Tag);
        return candidate;
    }

    /// <summary>The release a rollback returns to: NAME_previous, or the retained release of <paramref name="sha"/>; the live version itself is refused. Changes nothing.</summary>
    public async Task<RetainedReleases.RetainedRelease> RollbackTargetAsync(DeploySettings settings, ContainerInfo? live, string? sha)
    {
        if (sha is null)
        {
            // NAME_previous alone: the other retained releases (images, the history) are read only for --to, or to list them in an error.
            var container = await containers.PreviousAsync(settings)
                            ?? throw new RollbackImpossibleException($"There is no {settings.PreviousContainer} to roll back to; deploy a known good commit instead (--target=Deploy --sha=COMMIT).");
            var previous = retained.Previous(settings, container)
                           ?? throw new RollbackImpossibleException($"{settings.PreviousContainer} was not started behind the proxy, so it has no route; deploy instead.");
            await retained.RefuseLiveAsync(settings, live, previous.Commit, $"{settings.PreviousContainer} runs");
            return previous;
        }

        await retained.RefuseLiveAsync(settings, live, sha, $"--to={sha} names");
        var kept = await retained.ListAsync(settings);
        return kept.FirstOrDefault(r => r.Commit.StartsWith(sha, StringComparison.Ordinal))
               ?? throw new RollbackImpossibleException(
                   $"No retained release of commit {sha} in {settings.Environment} (kept: {await retained.SummaryAsync(settings)}); pick one of those with --to, or deploy it with --target=Deploy --sha={sha}.");
    }

    /// <summary>
    /// Readies a retained release to take traffic: a stopped one is started, a warm standby is left as it is, and one kept
    /// only as an image is started beside the live release, as a deploy would. Returns it with its container as inspected.
    /// </summary>
    public async Task<(Candidate Candidate, ContainerInfo Target)> ReadyRollbackAsync(DeploySettings settings, RetainedReleases.RetainedRelease release, string performer)
    {
        if (release.Container is null)
        {
            log.Information("{0} is kept only as the image {1}: starting it beside the live release.", release.Short, release.Image);
            var started = await StartCandidateAsync(settings, new ReleaseVersion(release.Commit, release.Version.EndsWith("-dirty", StringComparison.Ordinal)), release.Image, performer);
            return (started, (await containers.InspectAsync(started.Container))!);
        }

        var target = (await containers.InspectAsync(release.Container))!;
        var wasRunning = target.Running;
        if (!wasRunning)
        {
            log.Information("Starting {0} ({1}), which was stopped.", target.Name, AppContainers.VersionOf(target));
            await Engine.StartContainerAsync(target.Name);
        }
        else
        {
            log.Information("{0} ({1}) is running as a warm standby.", target.Name, AppContainers.VersionOf(target));
        }

        return (new Candidate(target.Name, target.Labels[ReleaseNames.SlotLabel], wasRunning), target);
    }

    /// <summary>Asks the candidate's health path from inside the network until it answers 200 enough times in a row.</summary>
    public async Task<HealthProbe.Result> GateAsync(DeploySettings settings, Candidate candidate, int inARow)
    {
        var url = candidate.Destination(settings) + settings.HealthPath;
        var streak = 0;
        // Nothing has moved yet, so a signal may stop the wait; the candidate is undone by the run's teardown.
        var plan = new HealthProbe.Plan(ProbeInterval, settings.HealthTimeout, StoppableBefore: $"{candidate.Container} passed its health check",
            StillRunning: async () => await Engine.InspectContainerAsync(candidate.Container) is { Running: true, State: "running" });
        var result = await probe.PollAsync(plan, async () =>
        {
            var answer = await admin.ProbeAsync(settings, url);
            streak = answer.Status == 200 ? streak + 1 : 0;
            return new HealthProbe.Answer(streak >= inARow, answer.Status == 0 ? answer.Body : answer.Status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        });
        if (result.Healthy)
        {
            log.Information("{0} answered {1} with 200 {2} time(s) in a row.", candidate.Container, settings.HealthPath, inARow);
        }

        return result;
    }

    /// <summary>A candidate that failed its gate leaves as it came: a new one is removed, a standby is left as it was.</summary>
    public async Task AbandonAsync(Candidate candidate)
    {
        if (ReleaseNames.IsCandidate(candidate.Container))
        {
            await Engine.RemoveContainerAsync(candidate.Container);
        }
        else if (!candidate.WasRunning)
        {
            await Engine.SetRestartPolicyAsync(candidate.Container, AppContainers.OutOfServicePolicy);
            await Engine.StopContainerAsync(candidate.Container, StopGrace);
        }
    }

    /// <summary>
    /// Gives the candidate a serving release's CPU weight and warms it up, points the route at it, then checks through the
    /// public port that it is the one answering.
    /// </summary>
    public async Task SwitchAsync(DeploySettings settings, Candidate candidate)
    {
        // A warm standby served traffic minutes ago, and a rollback to it must stay a single switch: it takes the traffic at
        // once, its weight raised while the route moves (the weight counts only on contended cores, and only until the
        // engine answers). A new release is warmed up at its serving weight first.
        var weight = Engine.SetCpuSharesAsync(candidate.Container, ServingCpuShares);
        if (!candidate.WasRunning)
        {
            await weight;
            await WarmUpAsync(settings, candidate);
        }

        // The release that served until now stays the proxy's fallback: while it runs (the warm standby), the proxy moves
        // traffic back to it by itself should the candidate stop answering. Read after the warm-up: the proxy may have failed over.
        var serving = await admin.CurrentRouteAsync(settings);
        Fallback[] fallbacks = serving is null || serving.Slot == candidate.Slot ? [] : [new(serving.Destination, serving.Slot)];
        await admin.SwitchAsync(settings, new UpstreamRoute(candidate.Destination(settings), candidate.Slot, settings.HealthPath, fallbacks));
        await weight;
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var url = new Uri(settings.AppUrl, settings.HealthPath);
        var confirmed = await probe.PollAsync(new HealthProbe.Plan(ProbeInterval, TimeSpan.MaxValue, Attempts: ConfirmAttempts), async () =>
        {
            try
            {
                using var response = await client.GetAsync(url);
                var fromCandidate = response.Headers.TryGetValues("X-Kaha-Slot", out var slots) && slots.Contains(candidate.Slot);
                return new HealthProbe.Answer(fromCandidate && response.IsSuccessStatusCode, "");
            }
            catch (HttpRequestException)
            {
                return new HealthProbe.Answer(false, "");
            }
        });
        if (confirmed.Healthy)
        {
            log.Information("Traffic on {0} now goes to {1}.", settings.AppUrl, candidate.Container);
            return;
        }

        throw new ProxyException($"The proxy took the new route but {url} does not answer from {candidate.Container}; check 'docker logs {settings.Proxy!.Container}'.");
    }

    private async Task WarmUpAsync(DeploySettings settings, Candidate candidate)
    {
        var requests = settings.Proxy!.WarmupRequests;
        if (requests == 0)
        {
            return;
        }

        var ok = await admin.WarmAsync(settings, candidate.Destination(settings) + settings.HealthPath, requests, WarmupConcurrency);
        if (ok is null)
        {
            log.Warning("The proxy {0} predates warm-ups, so {1} takes traffic cold; remove the proxy container to have the next deploy recreate it.",
                settings.Proxy.Container, candidate.Container);
        }
        else if (ok < requests)
        {
            log.Warning("Warm-up: {0} answered {1} of {2} requests to {3} with 200.", candidate.Container, ok, requests, settings.HealthPath);
        }
        else
        {
            log.Information("Warmed up {0} with {1} requests to {2}.", candidate.Container, requests, settings.HealthPath);
        }
    }

    /// <summary>
    /// After the switch and the drain: the replaced live release becomes NAME_previous and keeps running as a warm
    /// standby; the release it displaces is retired (stopped, kept for --to until pruned).
    /// </summary>
    public async Task PromoteAsync(DeploySettings settings, TimeSpan drain)
    {
        if (drain > TimeSpan.Zero)
        {
            log.Information("Draining the replaced release for {0:N0} s.", drain.TotalSeconds);
            await Task.Delay(drain);
        }

        await ReconcileAsync(settings);
    }

    /// <summary>
    /// Makes the names agree with the route: the routed container is NAME, the one it replaced NAME_previous,
    /// a candidate that never took traffic is removed, older releases are retired. Safe to run at any time.
    /// </summary>
    public async Task ReconcileAsync(DeploySettings settings)
    {
        var route = await admin.CurrentRouteAsync(settings);
        var releases = await retained.ContainersAsync(settings);
        var routed = route is null ? null : releases.FirstOrDefault(r => r.Labels.GetValueOrDefault(ReleaseNames.SlotLabel) == route.Slot);
        if (routed is null)
        {
            return; // Nothing takes traffic through the proxy yet: the first release will.
        }

        var live = releases.FirstOrDefault(r => r.Name == settings.Container);
        foreach (var stale in releases.Where(r => r.Name == settings.CandidateContainer && r.Id != routed.Id))
        {
            log.Warning("Removing {0}, a release that never took traffic (an interrupted run).", stale.Name);
            await Engine.RemoveContainerAsync(stale.Name);
        }

        if (live?.Id == routed.Id)
        {
            return;
        }

        // The routed release moves to NAME; the one there before becomes NAME_previous; the old NAME_previous retires
        // (stopped, kept for --to until pruned). The route has moved already, so a kill on the way is finished, never undone.
        var previous = releases.FirstOrDefault(r => r.Name == settings.PreviousContainer);
        var retired = previous is not null && previous.Id != routed.Id && live is not null ? previous : null;
        var retiredName = retired is null ? null : ReleaseNames.Retired(settings.Container, retired);
        // Brought back into service, the routed release had policy "no"; the one it replaced stays the warm standby.
        ReleasePlace[] retiring = retired is null ? [] : [new ReleasePlace(retired.Id, retiredName!, AppContainers.OutOfServicePolicy, Running: false)];
        await journal.HandOverAsync(settings, "renaming after the switch", revert: false, before: [], routed, live, OutOfRotationCpuShares, retiring);
        if (retired is not null)
        {
            log.Information("Retired {0} ({1}) as {2}.", retired.Name, AppContainers.VersionOf(retired), retiredName!);
        }

        if (live is not null)
        {
            if (live.Running)
            {
                log.Information("{0} ({1}) is now {2}, running as a warm standby.", live.Name, AppContainers.VersionOf(live), settings.PreviousContainer);
            }
            else
            {
                log.Information("{0} ({1}) is now {2}; it was stopped, so it is kept stopped for Rollback.",
                    live.Name, AppContainers.VersionOf(live), settings.PreviousContainer);
            }
        }

        log.Information("{0} serves {1}.", settings.Container, AppContainers.VersionOf(routed));
    }

    /// <summary>The slot of NAME_previous when it runs as a standby.</summary>
    public async Task<string?> StandbySlotAsync(DeploySettings settings) =>
        await containers.PreviousAsync(settings) is { Running: true } previous ? previous.Labels.GetValueOrDefault(ReleaseNames.SlotLabel) : null;

    /// <summary>Stops NAME_previous when it is still the standby named by <paramref name="slot"/> and takes no traffic.</summary>
    public async Task StopStandbyAsync(DeploySettings settings, string slot)
    {
        var previous = await containers.PreviousAsync(settings);
        var route = await admin.CurrentRouteAsync(settings);
        if (previous is { Running: true } && previous.Labels.GetValueOrDefault(ReleaseNames.SlotLabel) == slot && route?.Slot != slot)
        {
            await Engine.SetRestartPolicyAsync(previous.Name, AppContainers.OutOfServicePolicy);
            await Engine.StopContainerAsync(previous.Name, StopGrace);
            log.Information("The standby window is over: stopped {0} ({1}); it is kept for Rollback.", previous.Name, AppContainers.VersionOf(previous));
        }
    }

    /// <summary>Keeps the newest <see cref="DeploySettings.Retain"/> releases (live and previous always among them); removes the rest and their images.</summary>
    public async Task PruneAsync(DeploySettings settings)
    {
        var releases = await retained.ContainersAsync(settings);
        var protectedNames = new[] { settings.Container, settings.PreviousContainer, settings.CandidateContainer };
        var keep = releases.Where(r => protectedNames.Contains(r.Name)).Select(r => r.Id)
            .Concat(releases.OrderByDescending(DeployedAt).Take(settings.Retain).Select(r => r.Id))
            .ToHashSet();
        foreach (var release in releases.Where(r => !keep.Contains(r.Id)))
        {
            await Engine.RemoveContainerAsync(release.Name);
            if (!releases.Any(r => keep.Contains(r.Id) && r.ImageId == release.ImageId))
            {
                try
                {
                    await Engine.RemoveImageAsync(release.ImageId);
                }
                catch (DockerEngineException ex)
                {
                    log.Verbose("Kept image {0}: {1}", release.ImageId, ex.Message);
                }
            }

            log.Information("Pruned {0} ({1}): only the last {2} versions are kept.", release.Name, AppContainers.VersionOf(release), settings.Retain);
        }
    }

    private static DateTimeOffset DeployedAt(ContainerInfo release) =>
        DateTimeOffset.TryParse(release.Labels.GetValueOrDefault(ReleaseNames.DeployedAtLabel), out var at) ? at : DateTimeOffset.MinValue;
}
