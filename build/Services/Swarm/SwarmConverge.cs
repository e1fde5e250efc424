using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Swarm;

/// <summary>
/// Waits for Swarm to roll the app's service over to a release, printing each task's change of state as it happens. Swarm
/// does the work (start-first, health-checked, rolled back on failure); this says what it did, and fails the run when the
/// release did not take, once the previous version serves again.
/// </summary>
public sealed class SwarmConverge(DockerConnector docker, SwarmNodes nodes, AppErrorLine errorLine, Interruption interruption, ICakeLog log)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    /// <summary>Time for Swarm to act on a failed task the tool saw: Swarm acts within milliseconds of the failure.</summary>
    private static readonly TimeSpan SwarmReaction = TimeSpan.FromMilliseconds(500);

    /// <summary>Room for pulling the image on a node, and for Swarm's 5 s watch over each new task.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long Swarm holds a stop-first replacement in "ready" for the task it replaces to stop (its restart supervisor's
    /// task timeout). A rollback meets it when the restart policy replaced the failed task with one that no node can take
    /// (one task per node): that one never stops, and the previous release's task for the slot waits out the minute.
    /// </summary>
    private static readonly TimeSpan SwarmOldTaskTimeout = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Returns once all the service's tasks run <paramref name="image"/> and are healthy (and Swarm completed its update).
    /// When Swarm rolls the update back, or it does not finish in time (then it is rolled back here), throws
    /// <see cref="HealthCheckFailedException"/> after the previous version runs on all tasks again.
    /// </summary>
    /// <param name="changed">the service right after the change: updates Swarm began before it belong to earlier runs.</param>
    public async Task WaitAsync(DeploySettings settings, SwarmServiceInfo changed, ReleaseVersion version, string image)
    {
        var name = settings.Container;
        var replicas = settings.Swarm!.Replicas;
        var batches = (replicas + settings.Swarm.UpdateParallelism - 1) / settings.Swarm.UpdateParallelism;
        var allowed = (settings.HealthTimeout + Slack) * batches;
        var deadline = DateTimeOffset.UtcNow + allowed;
        var states = new Dictionary<string, string>(StringComparer.Ordinal);
        var firstLook = true;
        string? rolledBack = null;
        SwarmTaskInfo? endedEarly = null;
        var endedSeen = DateTimeOffset.MaxValue;
        SwarmSpecSnapshot? restore = null;
        string? lastUpdate = null;
        var history = new HashSet<string>(StringComparer.Ordinal);
        var rollbackCause = "";
        var rollbackWaited = false;
        while (true)
        {
            if (interruption.Requested)
            {
                throw new RunInterruptedException(
                    $"Interrupted by {interruption.Signal} while Swarm rolls {name} over to {version.Tag}; Swarm finishes the update (or rolls it back) by itself: 'docker service ps {name}' shows where it is.");
            }

            var service = await docker.Engine.InspectServiceAsync(name)
                ?? throw new ContainerMissingException($"The service {name} is gone: it was removed while the deploy waited for it.");
            var tasks = await docker.Engine.ListServiceTasksAsync(name);
            if (firstLook)
            {
                firstLook = false;
                // Tasks that ended before this release are history: only changes from here on are news. (A new task that waits
                // for its old one to stop wants "ready", not yet "running": it is news.)
                foreach (var task in tasks.Where(t => t.DesiredState is "shutdown" or "remove"))
                {
                    states[task.Id] = StateOf(task);
                    history.Add(task.Id);
                }
            }

            await ReportAsync(tasks, states);
            var update = service.UpdateStartedAt >= changed.UpdatedAt ? service.UpdateState : null;
            if (update != lastUpdate)
            {
                log.Verbose("{0}: Swarm's update is {1} {2}", name, update ?? "(none yet)", service.UpdateMessage);
                lastUpdate = update;
            }

            var current = tasks.Where(t => t.DesiredState == "running").ToList();
            var ready = current.Count(t => t.Running && Runs(t, image));
            var restored = current.Count(t => t.Running && !Runs(t, image));
            var onRelease = PinnedImage.Same(service.Image, image);
            switch (update)
            {
                case "rollback_started" when rollbackCause.Length == 0:
                    // Swarm names the task that made it roll back ("... early termination of task ID") only while it rolls back.
                    rollbackCause = service.UpdateMessage;
                    break;
                // Swarm calls a rollback complete once its last task started: the old version serves again once that one runs.
                case "rollback_completed" when restored >= replicas:
                    throw await FailedAsync(settings, tasks, version, image, rolledBack ?? "Swarm rolled the update back", service, rollbackCause, endedEarly);
                case "paused" or "rollback_paused":
                    throw await FailedAsync(settings, tasks, version, image, $"Swarm paused the update ({service.UpdateMessage})", service, rollbackCause, endedEarly);
                case "completed" or null when ready == replicas && current.All(t => Runs(t, image)):
                    log.Information("{0}: all {1} task(s) run {2} and are healthy.", name, replicas, version.Tag);
                    return;
            }

            // Swarm counts a new task's failure when it ends before its update's watch does; a task that ran healthy beyond it
            // and then ended is not counted, and the update goes on. Swarm acts on a failure it counts at once: when the
            // service still runs the release a moment after the tool saw one of its tasks end, the tool rolls back itself
            // (before Swarm's pause between batches is over; unless Swarm is rolling back already, which the engine call checks).
            if (endedEarly is null
                && tasks.FirstOrDefault(t => Runs(t, image) && t.State is "complete" or "failed" or "rejected" && !history.Contains(t.Id)) is { } ended)
            {
                endedEarly = ended;
                endedSeen = DateTimeOffset.UtcNow;
            }

            if (endedEarly is not null && restore is null && rolledBack is null && onRelease
                && update is not ("rollback_started" or "rollback_completed" or "rollback_paused")
                && DateTimeOffset.UtcNow - endedSeen >= SwarmReaction)
            {
                log.Warning("{0}: task {1} of {2} ended ({3}) and Swarm did not roll the update back; rolling the service back.",
                    await nodes.NameAsync(endedEarly.NodeId), endedEarly.Slot, version.Tag, StateOf(endedEarly));
                restore = await docker.Engine.RollbackServiceAsync(name, image, settings.Swarm.Login);
                rolledBack = restore is null ? null : "the tool rolled the update back";
                deadline = DateTimeOffset.UtcNow + allowed;
            }

            // Swarm's own rollback of this update, decided on a failure it saw before the tool's rollback, swaps the failed spec
            // back in: the previous release is set again (a plain update).
            if (restore is not null && onRelease
                && await docker.Engine.RestoreServiceAsync(name, image, restore, settings.Swarm.Login))
            {
                log.Warning("{0}: Swarm's own rollback put {1} back after the tool's; setting the previous release again.", name, version.Tag);
            }

            // Back on the previous spec (rolled back by Swarm or by the tool), however Swarm reports its update: failed once the
            // old version runs on every task.
            if (!onRelease && restored >= replicas)
            {
                throw await FailedAsync(settings, tasks, version, image, rolledBack ?? "Swarm rolled the update back", service, rollbackCause, endedEarly);
            }

            if (DateTimeOffset.UtcNow > deadline && (update is "rollback_started" || !onRelease) && !rollbackWaited)
            {
                // A rollback (Swarm's or the tool's) is under way: the previous release serves on the tasks it restarted, and the rest follow.
                rollbackWaited = true;
                var more = SwarmOldTaskTimeout + Slack;
                deadline = DateTimeOffset.UtcNow + more;
                log.Warning("{0}: Swarm is still rolling back ({1} of {2} task(s) run the previous release); a task Swarm holds in ready starts within its {3:N0} s timeout: waiting up to {4:N0} s more.",
                    name, restored, replicas, SwarmOldTaskTimeout.TotalSeconds, more.TotalSeconds);
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                var waited = $"{version.Tag} was not healthy on all {replicas} task(s) within {allowed.TotalSeconds:N0} s";
                if (rolledBack is not null || update is "rollback_started" or "rollback_completed" || service.PreviousImage is null)
                {
                    throw await FailedAsync(settings, tasks, version, image, rolledBack ?? waited, service, rollbackCause, endedEarly);
                }

                log.Warning("{0}; rolling the service back.", waited);
                restore = await docker.Engine.RollbackServiceAsync(name, image, settings.Swarm.Login);
                rolledBack = restore is null ? null : waited;
                deadline = DateTimeOffset.UtcNow + allowed;
            }

            await Task.Delay(Poll);
        }
    }

    private static bool Runs(SwarmTaskInfo task, string image) => PinnedImage.Same(task.Image, image);

    private static string StateOf(SwarmTaskInfo task) => task.State + (task.Error.Length > 0 ? $" ({task.Error})" : "");

    /// <summary>One line per task whose state changed since the last look: node, task slot, state and release.</summary>
    private async Task ReportAsync(IReadOnlyList<SwarmTaskInfo> tasks, Dictionary<string, string> states)
    {
        foreach (var task in tasks.OrderBy(t => t.Timestamp))
        {
            var state = StateOf(task);
            if (states.GetValueOrDefault(task.Id) == state)
            {
                continue;
            }

            states[task.Id] = state;
            var node = await nodes.NameAsync(task.NodeId);
            log.Information("{0}: task {1} {2} {3}", node, task.Slot, state, task.Labels.GetValueOrDefault(ReleaseNames.VersionLabel) ?? task.Image);
        }
    }

    private async Task<HealthCheckFailedException> FailedAsync(
        DeploySettings settings, IReadOnlyList<SwarmTaskInfo> tasks, ReleaseVersion version, string image, string why, SwarmServiceInfo service, string cause, SwarmTaskInfo? endedEarly)
    {
        var name = settings.Container;
        var failed = endedEarly ?? tasks.FirstOrDefault(t => cause.Length > 0 && cause.Contains(t.Id, StringComparison.Ordinal))
            ?? tasks.Where(t => Runs(t, image) && (t.Error.Length > 0 || t.State is "failed" or "rejected")).MaxBy(t => t.Timestamp);
        // A task stopped for failing its health check exits as the app does on SIGTERM: often 0, "complete", with no error.
        var where = failed is null ? "" : $"; on {await nodes.NameAsync(failed.NodeId)} task {failed.Slot} "
            + (failed.Error.Length > 0 ? $"failed: {failed.Error}" : $"ended ({failed.State}) before it was healthy");
        var logs = string.Join('\n', (await docker.Engine.GetServiceLogsAsync(name, 20)).Select(l => l.Text));
        if (logs.Length > 0)
        {
            log.Warning("Last lines of the service {0}:\n{1}", name, logs);
        }

        var replicas = settings.Swarm!.Replicas;
        var running = tasks.Count(t => t.DesiredState == "running" && t.Running && !Runs(t, image));
        var serves = service.Labels.GetValueOrDefault(ReleaseNames.VersionLabel) is not { } back || back == version.Tag
            ? $"no earlier version of {name} to fall back to"
            : running >= replicas
                ? $"Swarm rolled {name} back: {back} serves again"
                : $"Swarm rolled {name} back to {back}, but only {running} of {replicas} task(s) run it: 'docker service ps {name}' shows why";
        return new HealthCheckFailedException($"{version.Tag} did not take on the swarm ({why}{where}{errorLine.Quote(logs)}); {serves}.");
    }
}
