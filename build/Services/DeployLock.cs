using System.Text.Json;
using Cake.Core.Diagnostics;

namespace KahaDeploy.Services;

/// <summary>
/// One change at a time per environment: a lock file holding who has it. A lock whose holder process is gone
/// (the tool was killed) is taken over with a warning.
/// </summary>
public sealed class DeployLock(ICakeLog log)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private string? _heldFile;

    public sealed record Holder(string User, string Host, int Pid, DateTimeOffset ProcessStarted, string Target, DateTimeOffset Since)
    {
        public override string ToString() => $"{User}@{Host} (pid {Pid}, {Target} since {Since:yyyy-MM-dd HH:mm:ss}Z)";
    }

    public static string FileFor(string environmentStateFolder) => Path.Combine(environmentStateFolder, "deploy.lock");

    public async Task AcquireAsync(string environmentStateFolder, string environment, string target, TimeSpan wait)
    {
        var file = FileFor(environmentStateFolder);
        Directory.CreateDirectory(environmentStateFolder);
        var me = CurrentHolder(target);
        var deadline = DateTimeOffset.UtcNow + wait;
        var announced = false;
        while (true)
        {
            if (TryCreate(file, me))
            {
                _heldFile = file;
                log.Verbose("Holding the {0} lock ({1}).", environment, file);
                return;
            }

            var holder = await ReadSettledAsync(file);
            if (holder is null && !File.Exists(file))
            {
                continue; // released while we looked
            }

            if (holder is null || !IsAlive(holder))
            {
                log.Warning("Taking over the {0} lock left by {1}, whose process is gone.", environment, holder?.ToString() ?? "an unreadable lock file");
                File.Delete(file);
                continue;
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                var advice = wait == TimeSpan.Zero ? "wait for it to finish or pass --lock-wait=SECONDS" : "try again later or pass a longer --lock-wait";
                throw new DeployLockedException(
                    $"Environment '{environment}' is locked by {holder}; {advice} (if that process is truly gone, delete {file}).");
            }

            if (!announced)
            {
                log.Information("Environment '{0}' is locked by {1}; waiting up to {2:N0} s.", environment, holder, wait.TotalSeconds);
                announced = true;
            }

            await Task.Delay(PollInterval);
        }
    }

    public void Release()
    {
        if (_heldFile is null)
        {
            return;
        }

        var holder = Read(_heldFile);
        if (holder is not null && holder.Pid == Environment.ProcessId && holder.Host == Environment.MachineName)
        {
            File.Delete(_heldFile);
        }

        _heldFile = null;
    }

    public static Holder? Read(string file)
    {
        try
        {
            return JsonSerializer.Deserialize<Holder>(File.ReadAllText(file));
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            return null;
        }
    }

    /// <summary>The holder; a lock file that cannot be read yet is read again for a moment, as its holder may be writing it right now.</summary>
    private static async Task<Holder?> ReadSettledAsync(string file)
    {
        for (var attempt = 1; ; attempt++)
        {
            var holder = Read(file);
            if (holder is not null || attempt == 20 || !File.Exists(file))
            {
                return holder;
            }

            await Task.Delay(50);
        }
    }

    private static bool TryCreate(string file, Holder me)
    {
        try
        {
            using var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            JsonSerializer.Serialize(stream, me);
            return true;
        }
        catch (IOException) when (File.Exists(file))
        {
            return false;
        }
    }

    private static Holder CurrentHolder(string target)
    {
        var self = ProcessIdentity.Current();
        return new Holder(Environment.UserName, self.Host, self.Pid, self.Started, target, DateTimeOffset.UtcNow);
    }

    // A holder on another machine counts as alive: never steal its lock.
    private static bool IsAlive(Holder holder) => new ProcessIdentity(holder.Host, holder.Pid, holder.ProcessStarted).IsAlive();
}

public sealed class DeployLockedException(string message) : Exception(message);
