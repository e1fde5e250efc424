using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Webhooks;

/// <summary>
/// Runs a deploy as a child process of this same tool (--target=Deploy), under the environment's lock, so the listener
/// outlives a deploy that crashes and a deploy from the command line waits for it. Arguments go as a list, never
/// through a shell; each was checked before it got here. The child's output goes to a log file per deploy.
/// </summary>
public sealed class DeployRunner(ICakeLog log)
{
    /// <summary>How the deploy says it changed nothing because its release is not newer than the live one (SkipIfLive, SkipIfOlderImage).</summary>
    public const string IgnoredPrefix = "Ignored: ";

    public async Task<DeployResult> RunAsync(ListenerSettings settings, DeployJob job, CancellationToken cut)
    {
        var request = job.Request;
        Directory.CreateDirectory(settings.DeployLogFolder);
        var logFile = Path.Combine(settings.DeployLogFolder, $"{job.Id}.log");
        log.Information("Deploy {0}: {1} to {2} for {3} ({4}); log: {5}", job.Id, request.What, request.Environment, request.Performer, request.Trigger, logFile);

        await using var output = new StreamWriter(logFile) { AutoFlush = true };
        // A low priority, with git, npm and the rest it starts, so that neither the releases serving traffic nor the
        // answers GitHub waits for slow down while it builds.
        using var process = ToolCommand.StartChild(DeployArguments(settings, request), nice: 10, Path.GetDirectoryName(settings.ConfigFile)!);
        var errorLine = new StrongBox<string?>(null);
        var ignoredLine = new StrongBox<string?>(null);
        var pumps = Task.WhenAll(Pump(process.StandardOutput, output, errorLine, ignoredLine), Pump(process.StandardError, output, errorLine, ignoredLine));
        var started = Stopwatch.StartNew();
        try
        {
            await process.WaitForExitAsync(cut);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            await pumps;
            var advice = $"see ./build.sh --target=Status --env={request.Environment}, then roll back or deploy again";
            log.Warning("Deploy {0} of {1} to {2} was cut after {3:N0} s: the listener stopped; {4}.", job.Id, request.What, request.Environment, started.Elapsed.TotalSeconds, advice);
            return new DeployResult(DeployState.Cut, $"cut after {started.Elapsed.TotalSeconds:N0} s when the listener stopped; {advice}", logFile);
        }

        await pumps;
        if (process.ExitCode == 0 && ignoredLine.Value is { } ignored)
        {
            log.Information("Deploy {0} of {1} to {2} was ignored: {3}", job.Id, request.What, request.Environment, ignored);
            return new DeployResult(DeployState.Ignored, $"ignored: {ignored}", logFile);
        }

        if (process.ExitCode == 0)
        {
            log.Information("Deploy {0} of {1} to {2} succeeded in {3:N1} s.", job.Id, request.What, request.Environment, started.Elapsed.TotalSeconds);
            return new DeployResult(DeployState.Succeeded, $"deployed {request.What} to {request.Environment}", logFile);
        }

        var reason = errorLine.Value ?? $"exit code {process.ExitCode}";
        log.Warning("Deploy {0} of {1} to {2} failed: {3} (log: {4})", job.Id, request.What, request.Environment, reason, logFile);
        return new DeployResult(DeployState.Failed, reason, logFile);
    }

    private static IEnumerable<string> DeployArguments(ListenerSettings settings, DeployRequest request)
    {
        yield return "--target=Deploy";
        yield return $"--env={request.Environment}";
        yield return request.Sha is not null ? $"--sha={request.Sha}" : $"--image={request.Image}";
        if (!request.AllowOlder)
        {
            // The live release may have moved while this deploy waited, and a pulled image's age is known only once
            // pulled: the deploy checks (SkipIfLive for a commit, SkipIfOlderImage for an image).
            yield return "--only-forward";
        }

        yield return $"--config={settings.ConfigFile}";
        yield return $"--lock-wait={settings.LockWait.TotalSeconds.ToString(CultureInfo.InvariantCulture)}";
        yield return $"--trigger={request.Trigger}";
        yield return $"--performer={request.Performer}";
    }

    private static async Task Pump(StreamReader from, StreamWriter to, StrongBox<string?> errorLine, StrongBox<string?> ignoredLine)
    {
        while (await from.ReadLineAsync() is { } line)
        {
            lock (to)
            {
                to.WriteLine(line);
                if (line.StartsWith("Error: ", StringComparison.Ordinal))
                {
                    errorLine.Value = line["Error: ".Length..];
                }
                else if (line.StartsWith(IgnoredPrefix, StringComparison.Ordinal))
                {
                    ignoredLine.Value = line[IgnoredPrefix.Length..];
                }
            }
        }
    }
}
