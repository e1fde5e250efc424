using System.Text.Json;
using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Releases;

/// <summary>Where one release container (by id) must end up: its name, and where given its restart policy, whether it runs, its CPU weight.</summary>
public sealed record ReleasePlace(string Id, string Name, string? RestartPolicy = null, bool? Running = null, int? CpuShares = null);

/// <summary>One engine call of a rename sequence, on a container by id: stop, restart-policy, rename, cpu-shares or start.</summary>
public sealed record RenameStep(string Action, string Id, string? Value = null)
{
    public override string ToString() => $"{Action} {Id[..Math.Min(12, Id.Length)]}{(Value is null ? "" : " -> " + Value)}";
}

/// <summary>
/// Changes of several release names (with the stops, starts and restart policies that go with them) that a kill must not
/// leave half done: the intent is written to the environment's state folder first (temp file, then rename), the steps run,
/// and the journal is removed. The next Deploy or Rollback finishes, or reverts, what a journal left, identifying containers
/// by id, never by name alone, and never removing one. Without the journal (.deploy deleted), the names are put right from
/// what the engine shows: a parked NAME_swapping or NAME_older is a release that was live or previous, never a leftover.
/// </summary>
public sealed class RenameJournal(DockerConnector docker, ICakeLog log)
{
    public const string FileName = "renames.json";

    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <param name="Revert">whether recovery goes back to <paramref name="Before"/> (nothing moved for good yet) rather than on to <paramref name="After"/>.</param>
    public sealed record Entry(
        string Operation, bool Revert, DateTimeOffset Started, IReadOnlyList<ReleasePlace> Before, IReadOnlyList<ReleasePlace> After, IReadOnlyList<RenameStep> Steps);

    private DockerEngine Engine => docker.Engine;

    public static string PathOf(DeploySettings settings) => Path.Combine(settings.EnvironmentStateFolder, FileName);

    /// <summary>The journal an interrupted run left, if any; read-only targets mention it.</summary>
    public static Entry? Pending(DeploySettings settings)
    {
        var file = PathOf(settings);
        return File.Exists(file) ? JsonSerializer.Deserialize<Entry>(File.ReadAllBytes(file), Json) : null;
    }

    /// <summary>What a read-only target says of a pending journal: it changes nothing itself.</summary>
    public static string? PendingWarning(DeploySettings settings) =>
        Pending(settings) is { } pending
            ? $"{settings.Environment}: the {pending.Operation} of a run interrupted at {pending.Started.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z is unfinished ({PathOf(settings)}); "
              + $"the next --target=Deploy or --target=Rollback --env={settings.Environment} {(pending.Revert ? "reverts" : "finishes")} it."
            : null;

    /// <summary>
    /// Moves the releases from where they are (<paramref name="before"/>) to <paramref name="after"/>, journaled. With
    /// <paramref name="revert"/>, a failure on the way, or recovery after a kill, puts them back as they were.
    /// </summary>
    public async Task ChangeAsync(DeploySettings settings, string operation, bool revert, IReadOnlyList<ReleasePlace> before, IReadOnlyList<ReleasePlace> after)
    {
        var steps = await PlanAsync(settings, after);
        if (steps.Count == 0)
        {
            return;
        }

        Write(settings, new Entry(operation, revert, DateTimeOffset.UtcNow, before, after, steps));
        try
        {
            await RunAsync(steps);
        }
        catch (Exception ex) when (revert && ex is DockerEngineException)
        {
            // Whatever the engine refused on the way (a name taken meanwhile, a full disk), the releases go back where they
            // served from; when even that fails, the journal stays for the next run.
            log.Warning("The {0} failed ({1}); putting the releases back as they were.", operation, ex.Message);
            await RunAsync(await PlanAsync(settings, before));
            File.Delete(PathOf(settings));
            log.Warning("Put back: {0}.", await DescribeAsync(before));
            throw;
        }

        File.Delete(PathOf(settings));
    }

    /// <summary>
    /// The hand-over of the live name, which both release modes make: <paramref name="incoming"/> becomes NAME, serving
    /// under the environment's restart policy, and <paramref name="outgoing"/>, the release that was NAME, becomes
    /// NAME_previous; <paramref name="alongside"/> moves in the same change. The two trade names, so the plan parks one
    /// as NAME_swapping on the way.
    /// </summary>
    /// <param name="standbyCpuShares">null: the replaced release stops, out of service, and the incoming one is started (in place);
    /// a CPU weight: the replaced release keeps running at it as the warm standby, and both are left running or not as they are (behind a proxy).</param>
    public Task HandOverAsync(
        DeploySettings settings, string operation, bool revert, IReadOnlyList<ReleasePlace> before,
        ContainerInfo incoming, ContainerInfo? outgoing, int? standbyCpuShares, params ReleasePlace[] alongside)
    {
        var inPlace = standbyCpuShares is null;
        var after = new List<ReleasePlace> { new(incoming.Id, settings.Container, settings.Restart, inPlace ? true : null) };
        if (outgoing is not null)
        {
            // A standby keeps its restart policy until its window ends: it is meant to run.
            after.Add(inPlace
                ? new ReleasePlace(outgoing.Id, settings.PreviousContainer, AppContainers.OutOfServicePolicy, Running: false)
                : new ReleasePlace(outgoing.Id, settings.PreviousContainer, outgoing.Running ? null : AppContainers.OutOfServicePolicy, CpuShares: standbyCpuShares));
        }

        return ChangeAsync(settings, operation, revert, before, [.. after, .. alongside]);
    }

    /// <summary>
    /// Run by every Deploy and Rollback once the lock is held: finishes (or reverts) the sequence a killed run left, from its
    /// journal or, when the journal is gone, from the names the engine shows. Says in one line what it did.
    /// </summary>
    public async Task RecoverAsync(DeploySettings settings)
    {
        if (Pending(settings) is not { } entry)
        {
            await HealFromLabelsAsync(settings);
            return;
        }

        var target = entry.Revert ? entry.Before : entry.After;
        var present = new List<ReleasePlace>();
        foreach (var place in target)
        {
            if (await Engine.InspectContainerAsync(place.Id) is not null)
            {
                present.Add(place);
            }
            else
            {
                log.Warning("Container {0} of the interrupted {1} is gone (removed by hand?); its name stays free.", place.Id[..12], entry.Operation);
            }
        }

        await RunAsync(await PlanAsync(settings, present));
        File.Delete(PathOf(settings));
        log.Information("{0} the {1} interrupted at {2:yyyy-MM-dd HH:mm:ss}Z from its journal: {3}.",
            entry.Revert ? "Reverted" : "Finished", entry.Operation, entry.Started.UtcDateTime, await DescribeAsync(present));
    }

    /// <summary>
    /// No journal (it was never written, or .deploy was deleted): a NAME_swapping is the release a swap parked (it was live),
    /// and a NAME_older beside a missing NAME is a backup cut short (dev). Both go back to a name a release keeps; nothing is removed.
    /// </summary>
    private async Task HealFromLabelsAsync(DeploySettings settings)
    {
        var releases = (await Engine.ListContainersAsync($"{ReleaseNames.ServiceLabel}={settings.Container}"))
            .Where(c => c.Labels.GetValueOrDefault(ReleaseNames.RoleLabel) == "app").ToList();
        var named = releases.ToDictionary(r => r.Name, StringComparer.Ordinal);
        var places = new List<ReleasePlace>();
        string? what = null;
        if (named.GetValueOrDefault(settings.SwappingContainer) is { } parked)
        {
            // Parked by a swap, it was live: it is NAME again, and a release the swap had moved to NAME goes back to
            // NAME_previous. Behind a proxy, Reconcile then makes the names follow the route; without one, it serves again.
            var dev = settings.Proxy is null;
            places.Add(new ReleasePlace(parked.Id, settings.Container, dev ? settings.Restart : null, dev ? true : null));
            if (named.GetValueOrDefault(settings.Container) is { } moved)
            {
                var to = !named.ContainsKey(settings.PreviousContainer) ? settings.PreviousContainer
                    : ReleaseNames.Retired(settings.Container, moved);
                places.Add(new ReleasePlace(moved.Id, to, dev ? AppContainers.OutOfServicePolicy : null, dev ? false : null));
            }

            what = $"{settings.SwappingContainer} ({AppContainers.VersionOf(parked)}), parked by an interrupted swap, is {settings.Container} again";
        }
        else if (settings.Proxy is null && !named.ContainsKey(settings.Container) && named.GetValueOrDefault(settings.OlderContainer) is { } older
                 && named.GetValueOrDefault(settings.PreviousContainer) is { } previous)
        {
            // A backup cut short after the live release became NAME_previous: it serves again, and the older backup is NAME_previous again.
            places.Add(new ReleasePlace(previous.Id, settings.Container, settings.Restart, Running: true));
            places.Add(new ReleasePlace(older.Id, settings.PreviousContainer));
            what = $"{previous.Name} ({AppContainers.VersionOf(previous)}), backed up by an interrupted deploy, is {settings.Container} again";
        }
        else if (!named.ContainsKey(settings.PreviousContainer) && named.GetValueOrDefault(settings.OlderContainer) is { } onlyOlder)
        {
            places.Add(new ReleasePlace(onlyOlder.Id, settings.PreviousContainer));
            what = $"{settings.OlderContainer} ({AppContainers.VersionOf(onlyOlder)}), parked by an interrupted deploy, is {settings.PreviousContainer} again";
        }

        if (what is null)
        {
            return;
        }

        await RunAsync(await PlanAsync(settings, places));
        log.Warning("No rename journal, but the names showed an interrupted run: {0}.", what);
    }

    /// <summary>
    /// The steps from the engine's state to <paramref name="places"/>: stops first, then renames in an order that never
    /// needs a taken name (a cycle parks one release as NAME_swapping), then restart policies, CPU weights and starts.
    /// </summary>
    private async Task<List<RenameStep>> PlanAsync(DeploySettings settings, IReadOnlyList<ReleasePlace> places)
    {
        var current = new Dictionary<string, ContainerInfo>(StringComparer.Ordinal);
        foreach (var place in places)
        {
            current[place.Id] = await Engine.InspectContainerAsync(place.Id)
                                ?? throw new DockerEngineException($"Container {place.Id[..12]} disappeared during a rename sequence; run the command again.");
        }

        var steps = new List<RenameStep>();
        foreach (var place in places.Where(p => p.Running == false))
        {
            if (place.RestartPolicy is not null)
            {
                steps.Add(new RenameStep("restart-policy", place.Id, place.RestartPolicy));
            }

            if (current[place.Id].Running)
            {
                steps.Add(new RenameStep("stop", place.Id));
            }
        }

        var names = current.ToDictionary(c => c.Key, c => c.Value.Name, StringComparer.Ordinal);
        foreach (var place in places.Where(p => names[p.Id] != p.Name))
        {
            if (await Engine.InspectContainerAsync(place.Name) is { } holder && !names.ContainsKey(holder.Id))
            {
                throw new DockerEngineException(
                    $"The name {place.Name} is taken by container {holder.Id[..12]}, which is not one of {settings.Environment}'s releases being renamed; rename it (docker rename {place.Name} OTHER) and run again.");
            }
        }

        var pending = places.Where(p => names[p.Id] != p.Name).ToList();
        while (pending.Count > 0)
        {
            var free = pending.FirstOrDefault(p => !names.ContainsValue(p.Name));
            if (free is null)
            {
                // Every wanted name is held by a release that moves too (a swap): one steps aside first.
                var holder = names.First(n => n.Value == pending[0].Name).Key;
                if (!pending.Any(p => p.Id == holder) || names.ContainsValue(settings.SwappingContainer) || places.Any(p => p.Name == settings.SwappingContainer)
                    || await Engine.InspectContainerAsync(settings.SwappingContainer) is not null)
                {
                    throw new DockerEngineException($"Cannot order the renames of {settings.Environment}: {settings.SwappingContainer} is taken; rename it and run again.");
                }

                steps.Add(new RenameStep("rename", holder, settings.SwappingContainer));
                names[holder] = settings.SwappingContainer;
                continue;
            }

            steps.Add(new RenameStep("rename", free.Id, free.Name));
            names[free.Id] = free.Name;
            pending.Remove(free);
        }

        foreach (var place in places.Where(p => p.Running != false))
        {
            if (place.RestartPolicy is not null)
            {
                steps.Add(new RenameStep("restart-policy", place.Id, place.RestartPolicy));
            }

            if (place.CpuShares is { } shares)
            {
                steps.Add(new RenameStep("cpu-shares", place.Id, shares.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }

            if (place.Running == true && !current[place.Id].Running)
            {
                steps.Add(new RenameStep("start", place.Id));
            }
        }

        return steps;
    }

    private async Task RunAsync(IEnumerable<RenameStep> steps)
    {
        foreach (var step in steps)
        {
            log.Verbose("Rename sequence: {0}", step);
            var task = step.Action switch
            {
                "stop" => Engine.StopContainerAsync(step.Id, StopGrace),
                "restart-policy" => Engine.SetRestartPolicyAsync(step.Id, step.Value!),
                "rename" => Engine.RenameContainerAsync(step.Id, step.Value!),
                "cpu-shares" => Engine.SetCpuSharesAsync(step.Id, int.Parse(step.Value!, System.Globalization.CultureInfo.InvariantCulture)),
                "start" => Engine.StartContainerAsync(step.Id),
                _ => throw new InvalidOperationException($"Unknown rename step {step.Action}."),
            };
            await task;
        }
    }

    private async Task<string> DescribeAsync(IEnumerable<ReleasePlace> places)
    {
        var parts = new List<string>();
        foreach (var place in places)
        {
            var container = await Engine.InspectContainerAsync(place.Id);
            parts.Add($"{place.Name} is {(container is null ? place.Id[..12] : AppContainers.VersionOf(container))}");
        }

        return string.Join(", ", parts);
    }

    /// <summary>Written whole or not at all: a kill while writing leaves the old state, never half a journal.</summary>
    private static void Write(DeploySettings settings, Entry entry)
    {
        Directory.CreateDirectory(settings.EnvironmentStateFolder);
        var file = PathOf(settings);
        var temporary = file + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, entry, Json);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, file, overwrite: true);
    }
}
