using System.Text;
using static KahaDeploy.Services.Dashboard.Html;

namespace KahaDeploy.Services.Dashboard;

/// <summary>The read-only pages: the overview, an environment, a run's log. Server-rendered; live.js re-reads them.</summary>
public static class DashboardPages
{
    public static string Overview(IReadOnlyList<DashboardView.Environment> environments, ListenerView? listener)
    {
        var body = new StringBuilder("<h1>What runs where</h1><div class=\"cards\">");
        foreach (var environment in environments)
        {
            body.Append("<section class=\"card\">")
                .Append($"<h2><a href=\"/env/{Url(environment.Settings.Environment)}\">{E(environment.Settings.Environment)}</a></h2>")
                .Append(Summary(environment))
                .Append(listener?.Lane(environment.Settings.Environment) ?? "")
                .Append("</section>");
        }

        body.Append("</div>");
        body.Append(listener?.Deliveries() ?? "");
        return body.ToString();
    }

    /// <summary>The live release, its health, since when and by whom, the standby, and a run in progress with its last log line.</summary>
    public static string Summary(DashboardView.Environment environment)
    {
        if (environment.Error is { } error)
        {
            return $"<p class=\"error\">{Badge("engine unreachable")} {E(error)}</p>";
        }

        var status = environment.Status!;
        var body = new StringBuilder("<dl class=\"facts\">");
        var live = environment.Live;
        body.Append($"<dt>Health</dt><dd class=\"health\">{Badge(status.Health)}</dd>");
        body.Append("<dt>Live</dt><dd class=\"live\">").Append(status.Live is null
            ? Badge("nothing live")
            : $"<strong>{E(status.Live.Version ?? "-")}</strong>"
              // A version of its own (a tag, an image's) gets its commit beside it; a commit's version is the commit already.
              + (status.Live.Commit is { } commit && !commit.StartsWith(status.Live.Version ?? "-", StringComparison.Ordinal) ? $" <code>{Short(commit)}</code>" : "")
              + (live is { Message.Length: > 0 } ? $" <span class=\"message\">{E(live.Message)}</span>" : "")).Append("</dd>");
        body.Append($"<dt>Since</dt><dd>{Time(status.LiveSince)}{(status.LiveBy is null ? "" : $" by {E(status.LiveBy)}")}</dd>");
        body.Append($"<dt>URL</dt><dd><a href=\"{E(status.Url)}\">{E(status.Url)}</a></dd>");
        if (environment.Standby is { } standby)
        {
            var until = StandbyTimer.Until(environment.Settings) is { } at ? $" until {Time(at)}" : "";
            body.Append($"<dt>Standby</dt><dd class=\"standby\">{Badge(RetainedReleases.Standby)} <strong>{E(standby.Version)}</strong>{(standby.Commit.StartsWith(standby.Version, StringComparison.Ordinal) ? "" : $" <code>{E(standby.Short)}</code>")} (warm{until}: a Rollback to it is instant)</dd>");
        }

        body.Append("</dl>");
        if (environment.Running is { } running)
        {
            var line = DashboardView.LastLogLine(environment.Settings, running);
            body.Append($"<p class=\"running\">{Badge(RunRecord.Running)} <strong>{E(running.Target)}</strong> by {E(running.Performer)} ({E(running.Trigger)}) since {Time(running.Started)}")
                .Append(line is null ? "" : $"<br><code class=\"progress\">{E(line)}</code>").Append("</p>");
        }

        if (status.LastFailedRun is { } failed)
        {
            body.Append($"<p class=\"failed\">{Badge(failed.Result)} the last {E(failed.Target)} ({Time(failed.Started)}, {E(failed.Performer)}): {E(failed.Error)}</p>");
        }

        foreach (var warning in status.Warnings)
        {
            body.Append($"<p class=\"warning\">{Badge("warning")} {E(warning)}</p>");
        }

        return body.ToString();
    }

    /// <summary>An environment: its summary, its releases with a Rollback button each (signed in), the actions started here, the last runs.</summary>
    public static string Environment(DashboardView.Environment environment, bool signedIn, IEnumerable<DashboardActions.Action> actions)
    {
        var name = environment.Settings.Environment;
        var body = new StringBuilder($"<p class=\"crumbs\"><a href=\"/\">All environments</a></p><h1>{E(name)}</h1>");
        body.Append("<section class=\"card\">").Append(Summary(environment)).Append("</section>");

        foreach (var action in actions)
        {
            body.Append($"<p class=\"action\">{Badge(action.Result is null ? RunRecord.Running : action.Result.StartsWith("succeeded", StringComparison.Ordinal) ? RunRecord.Succeeded : RunRecord.Failed)} ")
                .Append($"{E(action.What)} asked by {E(action.Performer)} at {Time(action.Started)}{(action.Result is null ? "" : $": {E(action.Result)}")}</p>");
        }

        if (signedIn && DashboardView.LastDeploy(environment) is { } last)
        {
            body.Append($"<form class=\"redeploy\" method=\"get\" action=\"/env/{Url(name)}/redeploy\"><button type=\"submit\">Deploy {Short(last.Commit)} again</button></form>");
        }

        body.Append("<h2>Releases</h2><div class=\"scroll\"><table class=\"releases\"><thead><tr><th>Commit</th><th>Version</th><th>State</th><th>Deployed</th><th>By</th><th>Message</th><th></th></tr></thead><tbody>");
        foreach (var release in environment.Releases)
        {
            body.Append($"<tr><td><code>{E(release.Short)}</code></td><td>{E(release.Version)}</td><td>{Badge(release.State)}</td><td>{Time(release.Deployed)}</td>")
                .Append($"<td>{E(release.DeployedBy ?? "-")}</td><td>{E(release.Message)}</td><td>");
            if (release.State != RetainedReleases.Live)
            {
                body.Append(signedIn
                    ? $"<form method=\"get\" action=\"/env/{Url(name)}/rollback\"><input type=\"hidden\" name=\"to\" value=\"{E(release.Commit)}\"><button type=\"submit\">Roll back to {E(release.Short[..7])}</button></form>"
                    : "<a href=\"/signin\">Sign in to roll back</a>");
            }

            body.Append("</td></tr>");
        }

        body.Append("</tbody></table></div>");
        if (environment.Releases.Count == 0)
        {
            body.Append($"<p>{E(name)} keeps no release yet.</p>");
        }

        body.Append("<h2>Last runs</h2><div class=\"scroll\"><table class=\"runs\"><thead><tr><th>Started</th><th>Target</th><th>Version</th><th>By</th><th>Result</th><th>Took</th><th></th></tr></thead><tbody>");
        foreach (var run in environment.Runs.Reverse().Take(20))
        {
            body.Append($"<tr><td>{Time(run.Started)}</td><td>{E(run.Target)}</td><td>{E(run.Version ?? "-")}</td><td>{E(run.Performer)} ({E(run.Trigger)})</td>")
                .Append($"<td>{Badge(run.Result)}{(run.FailedTask is null ? "" : $" in {E(run.FailedTask)}")}</td>")
                .Append($"<td>{(run.DurationSeconds is { } seconds ? E($"{seconds:N1} s") : "-")}</td>")
                .Append($"<td>{(run.Log is null ? "" : $"<a href=\"/env/{Url(name)}/runs/{Url(run.Id)}\">log</a>")}</td></tr>");
        }

        body.Append("</tbody></table></div>");
        return body.ToString();
    }

    /// <summary>A run's log, as the run wrote it (secrets masked when written); live.js re-reads it while the run goes on.</summary>
    public static string Run(DeploySettings settings, RunRecord run)
    {
        var file = DashboardView.RunLogFile(settings, run);
        string text;
        try
        {
            using var stream = file is null ? null : new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            text = stream is null ? "(the log is gone: older logs are removed after keepLogs runs)" : new StreamReader(stream).ReadToEnd();
        }
        catch (IOException ex)
        {
            text = $"(the log cannot be read: {ex.Message})";
        }

        return $"<p class=\"crumbs\"><a href=\"/\">All environments</a> › <a href=\"/env/{Url(settings.Environment)}\">{E(settings.Environment)}</a></p>"
               + $"<h1>{E(run.Target)} of {E(settings.Environment)}</h1><p>{Badge(run.Result)} by {E(run.Performer)} ({E(run.Trigger)}), started {Time(run.Started)}"
               + $"{(run.Error is null ? "" : $": {E(run.Error)}")}</p><pre class=\"log\">{E(text)}</pre>";
    }
}
