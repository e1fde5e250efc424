namespace KahaDeploy.Services.Dashboard;

/// <summary>
/// What the dashboard shows, read each time from the same readers Status, Releases and History use: the engine, the
/// proxy and history.jsonl are the only truth, the dashboard keeps none of its own.
/// </summary>
public sealed class DashboardView(StatusReader status, ReleaseStrategies strategies, RunHistory history)
{
    public sealed record Environment(
        DeploySettings Settings,
        StatusReader.EnvironmentStatus? Status,
        IReadOnlyList<RetainedReleases.RetainedRelease> Releases,
        IReadOnlyList<RunRecord> Runs,
        string? Error)
    {
        public RetainedReleases.RetainedRelease? Live => Releases.FirstOrDefault(r => r.State == RetainedReleases.Live);

        public RetainedReleases.RetainedRelease? Standby => Releases.FirstOrDefault(r => r.State == RetainedReleases.Standby);

        /// <summary>A run in progress (a marker whose process lives), from the command line, CI, a push or the dashboard.</summary>
        public RunRecord? Running => Runs.LastOrDefault(r => r.Result == RunRecord.Running);
    }

    public async Task<Environment> ReadAsync(DeploySettings settings)
    {
        var runs = history.Read(settings.EnvironmentStateFolder);
        try
        {
            return new Environment(settings, await status.ReadAsync(settings), await strategies.For(settings).Reader.ListAsync(settings), runs, null);
        }
        catch (DockerEngineException ex)
        {
            return new Environment(settings, null, [], runs, ex.Message);
        }
    }

    /// <summary>The last Deploy of a commit, which the dashboard may run again; none for an environment that pulls its image.</summary>
    public static RunRecord? LastDeploy(Environment environment) =>
        environment.Settings.PullImage is not null ? null : environment.Runs.LastOrDefault(r => r.Target == "Deploy" && r.Commit is not null);

    public RunRecord? FindRun(DeploySettings settings, string id) => history.Read(settings.EnvironmentStateFolder).LastOrDefault(r => r.Id == id);

    /// <summary>The last line a running run wrote to its log (already masked): what it does now.</summary>
    public static string? LastLogLine(DeploySettings settings, RunRecord run)
    {
        if (run.Log is null || RunLogFile(settings, run) is not { } file)
        {
            return null;
        }

        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.Seek(Math.Max(0, stream.Length - 4096), SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The run's log file, only inside the environment's state folder (the history names it relative to that).</summary>
    public static string? RunLogFile(DeploySettings settings, RunRecord run)
    {
        if (run.Log is null)
        {
            return null;
        }

        var folder = Path.GetFullPath(settings.EnvironmentStateFolder) + Path.DirectorySeparatorChar;
        var file = Path.GetFullPath(Path.Combine(folder, run.Log));
        return file.StartsWith(folder, StringComparison.Ordinal) && File.Exists(file) ? file : null;
    }
}
