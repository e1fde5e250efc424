using System.Globalization;
using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Locking;

/// <summary>
/// One change at a time per environment, on the engine where its containers live (NAME_lock, an
/// <see cref="EngineRecords">engine record</see> whose labels name the holder), so every checkout and the listener
/// using that engine see the same lock. A lock whose holder process is gone (the tool was killed) is taken over with a warning.
/// </summary>
public sealed class DeployLock(EngineRecords records, Interruption interruption, ICakeLog log)
{
    // A run that waits (--lock-wait) takes the lock within a tenth of a second of its release: before a run started
    // afterwards (a listener's next deploy) gets there, which needs more than that to start and reach its Lock step.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private string? _heldId;
    private string? _heldName;

    public sealed record Holder(string User, string Host, int Pid, DateTimeOffset ProcessStarted, string Target, DateTimeOffset Since, string Checkout)
    {
        public override string ToString() =>
            $"{User}@{Host} (pid {Pid}, {Target} since {Since.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z, from {Checkout})";

        public Dictionary<string, string> ToLabels() => new()
        {
            [ReleaseNames.LockLabelPrefix + "user"] = User,
            [ReleaseNames.LockLabelPrefix + "host"] = Host,
            [ReleaseNames.LockLabelPrefix + "pid"] = Pid.ToString(CultureInfo.InvariantCulture),
            [ReleaseNames.LockLabelPrefix + "process-started"] = ProcessStarted.ToString("O", CultureInfo.InvariantCulture),
            [ReleaseNames.LockLabelPrefix + "target"] = Target,
            [ReleaseNames.LockLabelPrefix + "since"] = Since.ToString("O", CultureInfo.InvariantCulture),
            [ReleaseNames.LockLabelPrefix + "checkout"] = Checkout,
        };

        /// <summary>The holder a lock record names; null for a container of that name that is no lock of ours.</summary>
        public static Holder? FromLabels(IReadOnlyDictionary<string, string> labels)
        {
            string? Get(string key) => labels.GetValueOrDefault(ReleaseNames.LockLabelPrefix + key);
            return Get("user") is { } user && Get("host") is { } host && int.TryParse(Get("pid"), CultureInfo.InvariantCulture, out var pid)
                && DateTimeOffset.TryParse(Get("process-started"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var started)
                && Get("target") is { } target && DateTimeOffset.TryParse(Get("since"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var since)
                    ? new Holder(user, host, pid, started, target, since, Get("checkout") ?? "an unknown checkout")
                    : null;
        }
    }

    public static string NameFor(DeploySettings settings) => ReleaseNames.Lock(settings.Container);

    public async Task AcquireAsync(DeploySettings settings, string target, TimeSpan wait)
    {
        var name = NameFor(settings);
        var environment = settings.Environment;
        var labels = CurrentHolder(target, EnvironmentOwner.CheckoutOf(settings)).ToLabels();
        labels[ReleaseNames.AppLabel] = settings.AppName;
        labels[ReleaseNames.EnvironmentLabel] = environment;
        labels[ReleaseNames.RoleLabel] = "lock";
        var deadline = DateTimeOffset.UtcNow + wait;
        var announced = false;
        while (true)
        {
            if (await records.TryCreateAsync(name, labels) is { } id)
            {
                (_heldId, _heldName) = (id, name);
                log.Verbose("Holding the {0} lock ({1} on the Docker engine).", environment, name);
                return;
            }

            var record = await records.ReadAsync(name);
            if (record is null)
            {
                continue; // released while we looked
            }

            var holder = Holder.FromLabels(record.Labels)
                ?? throw new DeployLockedException($"A container named {name} exists that is not a deploy lock; rename or remove it, then run again.");
            if (!IsAlive(holder))
            {
                log.Warning("Taking over the {0} lock left by {1}, whose process is gone.", environment, holder);
                await records.RemoveAsync(record.Id);
                continue;
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                var advice = wait == TimeSpan.Zero ? "wait for it to finish or pass --lock-wait=SECONDS" : "try again later or pass a longer --lock-wait";
                throw new DeployLockedException(
                    $"Environment '{environment}' is locked by {holder}; {advice} (if that process is truly gone: docker rm {name}).");
            }

            if (!announced)
            {
                log.Information("Environment '{0}' is locked by {1}; waiting up to {2:N0} s.", environment, holder, wait.TotalSeconds);
                announced = true;
            }

            // Ctrl-C while waiting ends the wait: nothing has started yet, and the holder's lock stays its own.
            interruption.StopIfRequested($"the {environment} lock was free");
            await Task.Delay(PollInterval);
        }
    }

    /// <summary>Gives the lock back: removes the very record this run made, so a lock taken over meanwhile is never touched.</summary>
    public async Task ReleaseAsync()
    {
        if (_heldId is null)
        {
            return;
        }

        try
        {
            await records.RemoveAsync(_heldId);
        }
        catch (DockerEngineException ex)
        {
            log.Warning("Could not release the deploy lock {0} ({1}); the next run takes it over, or remove it with 'docker rm {0}'.", _heldName, ex.Message);
        }

        _heldId = null;
    }

    private static Holder CurrentHolder(string target, string checkout)
    {
        var self = ProcessIdentity.Current();
        return new Holder(Environment.UserName, self.Host, self.Pid, self.Started, target, DateTimeOffset.UtcNow, checkout);
    }

    // A holder on another machine counts as alive: never steal its lock.
    private static bool IsAlive(Holder holder) => new ProcessIdentity(holder.Host, holder.Pid, holder.ProcessStarted).IsAlive();
}

public sealed class DeployLockedException(string message) : Exception(message);
