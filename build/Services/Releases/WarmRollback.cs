using System.Diagnostics;
using System.Security.Cryptography;
using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Releases;

/// <summary>
/// A Rollback asked of a process that already runs (the dashboard, which Listen serves too), done in that process when
/// NAME_previous is a warm standby: starting the tool would cost more than the switch itself. Under the environment's
/// lock, with the Rollback target's checks (the standby runs and answers its health path once, the names follow the
/// route), the route moves first; then, while the request is answered, the names, the standby window, the history line
/// and Slack follow as the Rollback target leaves them. Anything else is the Rollback target's to do (null).
/// </summary>
public sealed class WarmRollback(
    ConfigLoader loader, EngineRecords records, Interruption interruption, AppContainers containers, ProxyAdmin admin, ReleaseSwitch releases,
    RedisSnapshot snapshot, StandbyTimer standby, RunHistory history, SlackNotifier slack, GitRepository git, SecretMasker masker, ICakeLog log)
{
    private const string Target = nameof(Tasks.Rollback);

    /// <summary>
    /// A rollback whose route has moved: how long until the public port answered from it, where that time went (for the
    /// bench's report), and <see cref="Finished"/>, which ends once the rest followed, with the error if any.
    /// </summary>
    public sealed record Switched(string Version, TimeSpan Took, string Steps, Task<string?> Finished);

    /// <summary>Switches <paramref name="environment"/> to its warm NAME_previous of <paramref name="commit"/>; null, with nothing changed, when it is not one.</summary>
    public async Task<Switched?> TrySwitchAsync(string configFile, string environment, string commit, string performer, string trigger)
    {
        var clock = Stopwatch.StartNew();
        var started = DateTimeOffset.UtcNow;
        var steps = new List<string>();
        var lap = TimeSpan.Zero;
        void Step(string name)
        {
            steps.Add($"{name} {(clock.Elapsed - lap).TotalMilliseconds:N0} ms");
            lap = clock.Elapsed;
        }

        DeploySettings settings;
        try
        {
            settings = loader.Load(configFile, environment, message => log.Verbose(message));
        }
        catch (ConfigException ex)
        {
            return NotWarm(environment, ex.Message); // the Rollback target stops with the same error, in its log
        }

        // A failover to record or renames to finish are the Rollback target's steps.
        var why = settings.Proxy is null ? "it has no proxy"
            : RenameJournal.Pending(settings) is not null ? "a killed run left renames to finish"
            : null;
        if (why is not null)
        {
            return NotWarm(environment, why);
        }

        Step("configuration");
        var held = new DeployLock(records, interruption, log);
        try
        {
            await held.AcquireAsync(settings, Target, TimeSpan.Zero);
            Step("lock");
        }
        catch (DeployLockedException)
        {
            return NotWarm(environment, "another run holds its lock"); // the Rollback target waits for it
        }

        (Ready? Ready, string? WhyNot) check;
        try
        {
            // As the Rollback target's BackupBeforeChange, under the lock before anything changes; one that fails is left to
            // the Rollback target too, which tries again and stops with its error, recorded and told.
            if (settings.Backups.BeforeDeploy && await snapshot.HasRedisAsync(settings))
            {
                await snapshot.TakeAsync(settings);
                Step("backup");
            }

            check = await CheckWarmAsync(settings, commit, performer, trigger, started);
            Step("checks");
        }
        catch (Exception ex)
        {
            check = (null, ex.Message); // a failed backup, an engine or a proxy that does not answer: the Rollback target says so, in its log
        }

        if (check.Ready is not { } ready)
        {
            await held.ReleaseAsync();
            return NotWarm(environment, check.WhyNot!);
        }

        Exception? failed = null;
        try
        {
            await releases.SwitchAsync(settings, ready.Candidate);
            Step("switch and its confirmation through the public port");
        }
        catch (Exception ex)
        {
            failed = ex; // the route may have moved all the same: recorded and told as the Rollback target's SwitchTraffic would be
        }

        return new Switched(ready.Run.Version ?? commit, clock.Elapsed, string.Join(", ", steps), FollowAsync(settings, ready.Run, held, ready.Owner, failed));
    }

    private sealed record Ready(EnvironmentOwner Owner, Candidate Candidate, RunRecord Run);

    /// <summary>
    /// The Rollback target's checks, read at once: the environment is this checkout's, the names follow the route (no
    /// failover to record, no candidate left), NAME_previous runs the commit asked for and answers its health path.
    /// </summary>
    private async Task<(Ready? Ready, string? WhyNot)> CheckWarmAsync(
        DeploySettings settings, string commit, string performer, string trigger, DateTimeOffset started)
    {
        var owner = new EnvironmentOwner(records, containers, log);
        var claim = owner.ClaimAsync(settings, takeOver: false);
        var live = containers.LiveAsync(settings);
        var previous = containers.PreviousAsync(settings);
        var next = containers.InspectAsync(settings.CandidateContainer);
        var route = admin.CurrentRouteAsync(settings);
        var health = HealthAsync(settings, previous);
        await Task.WhenAll(claim, live, previous, next, route, health);
        var slot = previous.Result?.Labels.GetValueOrDefault(ReleaseNames.SlotLabel);
        var candidate = new Candidate(settings.PreviousContainer, slot ?? "", WasRunning: true);
        var why = previous.Result is not { Running: true } || slot is null ? $"{settings.PreviousContainer} is not running behind the proxy"
            : AppContainers.CommitOf(previous.Result) != commit ? $"{settings.PreviousContainer} is not {commit}"
            : route.Result is null || route.Result.Slot != live.Result?.Labels.GetValueOrDefault(ReleaseNames.SlotLabel) ? $"the proxy's route is not on {settings.Container}"
            : next.Result is not null ? $"{settings.CandidateContainer} is left from another run"
            : health.Result != 200 ? $"{settings.PreviousContainer} does not answer {settings.HealthPath} with 200"
            : null;
        if (why is not null)
        {
            return (null, why);
        }

        var run = new RunRecord
        {
            Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)),
            Environment = settings.Environment,
            Target = Target,
            Trigger = trigger,
            Performer = performer,
            Started = started,
            Result = RunRecord.Running,
            Commit = commit,
            Version = AppContainers.ReleaseOf(previous.Result!)?.Tag,
            ImageId = previous.Result!.ImageId,
            PreviousCommit = AppContainers.CommitOf(live.Result),
        };
        return (new Ready(owner, candidate, run), null);
    }

    /// <summary>One answer of NAME_previous's health path, asked by the proxy as soon as it is known to run (null when it does not).</summary>
    private async Task<int?> HealthAsync(DeploySettings settings, Task<ContainerInfo?> previous) =>
        await previous is { Running: true } running && running.Labels.GetValueOrDefault(ReleaseNames.SlotLabel) is { } slot
            ? (await admin.ProbeAsync(settings, new Candidate(settings.PreviousContainer, slot, WasRunning: true).Destination(settings) + settings.HealthPath)).Status
            : null;

    /// <summary>After the switch, as the Rollback target's Drain, NotifySlack and teardown: names, standby window, history line, Slack; then the lock goes.</summary>
    private async Task<string?> FollowAsync(DeploySettings settings, RunRecord run, DeployLock held, EnvironmentOwner owner, Exception? failed)
    {
        var failedTask = failed is null ? null : nameof(Tasks.SwitchTraffic);
        DateTimeOffset? standbyUntil = null;
        try
        {
            foreach (var lost in history.Start(settings.EnvironmentStateFolder, run))
            {
                log.Warning("Run {0} ({1} by {2}) ended without finishing; it is recorded as interrupted.", lost.Id, lost.Target, lost.Performer);
            }

            if (failed is null)
            {
                failedTask = nameof(Tasks.Drain);
                await releases.PromoteAsync(settings, settings.Proxy!.Drain);
                if (await releases.StandbySlotAsync(settings) is { } slot)
                {
                    standbyUntil = standby.Schedule(settings, slot, settings.Proxy.Standby);
                }

                await owner.RecordClaimAsync();
                failedTask = null;
            }
        }
        catch (Exception ex)
        {
            failed = ex;
        }

        var error = failed is null ? null : masker.Apply(failed.Message);
        try
        {
            if (error is null)
            {
                var standbyLine = standbyUntil is { } until ? $"; previous {run.PreviousCommit?[..Math.Min(12, run.PreviousCommit.Length)]} is a warm standby until {until.UtcDateTime:HH:mm} UTC" : "";
                log.Information("{0} {1}: {2} is live at {3} (rolled back in {4:N1} s{5})", settings.AppName, settings.Environment, run.Version, settings.AppUrl,
                    (DateTimeOffset.UtcNow - run.Started).TotalSeconds, standbyLine);
            }
            else
            {
                log.Warning("{0} {1}: the rollback to {2} failed in {3}: {4}", settings.AppName, settings.Environment, run.Version, failedTask, error);
            }

            // Slack before the history line, as the Rollback target's NotifySlack comes before its teardown.
            if (settings.Slack is { } slackSettings)
            {
                var remote = git.RemoteUrl(settings.AppFolder, settings.Remote);
                await slack.SendAsync(slackSettings, new SlackNotifier.Report(
                    settings.AppName, settings.Environment, Target.ToLowerInvariant(), error is null, run.Version, $"{run.Performer} ({run.Trigger})",
                    DateTimeOffset.UtcNow - run.Started, failedTask, error, remote is null ? null : SlackReport.GitHubCommitUrl(remote, run.Commit!)), logFile: null);
            }
        }
        finally
        {
            var finished = DateTimeOffset.UtcNow;
            history.Finish(settings.EnvironmentStateFolder, run with
            {
                Finished = finished,
                DurationSeconds = Math.Round((finished - run.Started).TotalSeconds, 1),
                Result = error is null ? RunRecord.Succeeded : RunRecord.Failed,
                FailedTask = failedTask,
                Error = error,
            });
            await held.ReleaseAsync();
        }

        return error;
    }

    private Switched? NotWarm(string environment, string why)
    {
        log.Information("Rollback of {0}: not a switch to a warm standby ({1}); the Rollback target runs.", environment, masker.Apply(why));
        return null;
    }
}
