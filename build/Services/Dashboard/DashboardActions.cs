using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Dashboard;

/// <summary>
/// A Rollback to a warm standby is switched in this process (<see cref="WarmRollback"/>): starting the tool would take
/// longer than the switch. Any other Rollback (or a deploy again) asked for in the dashboard runs as the command line's does: this same tool as a child
/// process (--target=Rollback, --target=Deploy), which takes the environment's lock (waiting up to dashboard.lockWaitSeconds) and writes its history
/// line with trigger "dashboard" and the signed-in name as performer. Arguments go as a list, never through a shell.
/// </summary>
public sealed class DashboardActions(WarmRollback warm, ICakeLog log)
{
    private const string Trigger = "dashboard";

    private readonly ConcurrentQueue<Action> _recent = new();

    /// <summary>One action the dashboard started; <see cref="Result"/> stays null while it runs.</summary>
    /// <param name="LogFile">the child tool's output; null for a rollback switched in this process, whose lines are this process's.</param>
    public sealed record Action(string Id, string Environment, string What, string Performer, DateTimeOffset Started, string? LogFile)
    {
        public string? Result { get; set; }
    }

    /// <summary>The actions started since the dashboard started, newest first (until their run shows in the history).</summary>
    public IEnumerable<Action> Recent(string environment) => _recent.Reverse().Where(a => a.Environment == environment);

    public async Task<Action> StartRollbackAsync(DashboardSettings settings, string environment, string commit, string performer)
    {
        var what = $"Rollback to {Short(commit)}";
        if (await warm.TrySwitchAsync(settings.ConfigFile, environment, commit, performer, Trigger) is not { } switched)
        {
            return Start(settings, environment, what, performer, ["--target=Rollback", $"--to={commit}"]);
        }

        var action = Remember(new Action(NewId(), environment, what, performer, DateTimeOffset.UtcNow, LogFile: null));
        log.Information("Dashboard: {0} of {1} for {2}: switched to the warm standby {3} in this process, {4:N0} ms after the request ({5}).",
            what, environment, performer, switched.Version, switched.Took.TotalMilliseconds, switched.Steps);
        _ = FollowAsync(switched.Finished, action);
        return action;
    }

    /// <summary>The last deploy again, of the same commit: --force, since a deploy of the live commit would otherwise change nothing.</summary>
    public Action StartRedeploy(DashboardSettings settings, string environment, string commit, string performer) =>
        Start(settings, environment, $"Deploy of {Short(commit)} again", performer, ["--target=Deploy", $"--sha={commit}", "--force"]);

    private Action Start(DashboardSettings settings, string environment, string what, string performer, string[] target)
    {
        var id = NewId();
        Directory.CreateDirectory(settings.StateFolder);
        var action = new Action(id, environment, what, performer, DateTimeOffset.UtcNow, Path.Combine(settings.StateFolder, $"{id}.log"));
        log.Information("Dashboard: {0} of {1} for {2}; log: {3}", action.What, environment, performer, action.LogFile);
        var process = ToolCommand.StartChild(
        [
            .. target, $"--env={environment}", $"--config={settings.ConfigFile}",
            $"--lock-wait={settings.LockWait.TotalSeconds.ToString(CultureInfo.InvariantCulture)}", $"--trigger={Trigger}", $"--performer={performer}",
        ], nice: 0, Path.GetDirectoryName(settings.ConfigFile)!);
        _ = FollowAsync(process, Remember(action));
        return action;
    }

    private Action Remember(Action action)
    {
        _recent.Enqueue(action);
        while (_recent.Count > 20 && _recent.TryDequeue(out _))
        {
        }

        return action;
    }

    private static string NewId() => "a-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));

    private async Task FollowAsync(Task<string?> finished, Action action)
    {
        var error = await finished;
        action.Result = error is null ? "succeeded" : $"failed: {error}";
        log.Information("Dashboard: {0} of {1} {2}", action.What, action.Environment, action.Result);
    }

    private static string Short(string commit) => commit[..Math.Min(12, commit.Length)];

    private async Task FollowAsync(Process process, Action action)
    {
        string? error = null;
        await using (var output = new StreamWriter(action.LogFile!) { AutoFlush = true })
        {
            async Task Pump(StreamReader from)
            {
                while (await from.ReadLineAsync() is { } line)
                {
                    lock (output)
                    {
                        output.WriteLine(line);
                        error = line.StartsWith("Error: ", StringComparison.Ordinal) ? line["Error: ".Length..] : error;
                    }
                }
            }

            await Task.WhenAll(Pump(process.StandardOutput), Pump(process.StandardError));
            await process.WaitForExitAsync();
        }

        action.Result = process.ExitCode == 0 ? "succeeded" : $"failed: {error ?? $"exit code {process.ExitCode}"}";
        log.Information("Dashboard: {0} of {1} {2}", action.What, action.Environment, action.Result);
        process.Dispose();
    }
}
