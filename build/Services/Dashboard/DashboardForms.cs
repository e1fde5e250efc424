using static KahaDeploy.Services.Dashboard.Html;

namespace KahaDeploy.Services.Dashboard;

/// <summary>The pages with a form (sign-in, the rollback confirmation) and the one-line refusals.</summary>
public static class DashboardForms
{
    public static string SignIn(string token, string? error, string? name) =>
        (error is null ? "" : $"<p class=\"error\" role=\"alert\">Error: {E(error)}</p>")
        + "<h1>Sign in</h1><form class=\"signin\" method=\"post\" action=\"/signin\">"
        + $"<input type=\"hidden\" name=\"csrf\" value=\"{E(token)}\">"
        + $"<label>Your name (the history records it)<input name=\"name\" autocomplete=\"username\" required maxlength=\"64\" value=\"{E(name)}\"></label>"
        + "<label>Password<input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>"
        + "<button type=\"submit\">Sign in</button></form>";

    /// <summary>Names what will change before anything does: from which release to which, and how it is recorded.</summary>
    public static string ConfirmRollback(
        string environment, RetainedReleases.RetainedRelease? live, RetainedReleases.RetainedRelease target, string performer, string token) =>
        $"<p class=\"crumbs\"><a href=\"/env/{Url(environment)}\">{E(environment)}</a></p>"
        + $"<h1>Roll back {E(environment)}?</h1><dl class=\"facts\">"
        + $"<dt>Now live</dt><dd>{(live is null ? "nothing" : $"<strong>{E(live.Version)}</strong> <code>{E(live.Short)}</code> {E(live.Message)}")}</dd>"
        + $"<dt>After</dt><dd><strong>{E(target.Version)}</strong> <code>{E(target.Short)}</code> {E(target.Message)} ({E(target.State)})</dd></dl>"
        + $"<p>Traffic moves to <code>{E(target.Short)}</code> once it answers its health check; what is live now stays as the warm standby. "
        + $"The history records a Rollback by {E(performer)} (dashboard), and Slack hears of it as of any rollback.</p>"
        + $"<form method=\"post\" action=\"/env/{Url(environment)}/rollback\"><input type=\"hidden\" name=\"to\" value=\"{E(target.Commit)}\">"
        + $"<input type=\"hidden\" name=\"csrf\" value=\"{E(token)}\">"
        + $"<button type=\"submit\" class=\"danger\">Roll back {E(environment)} to {E(target.Short)}</button> <a href=\"/env/{Url(environment)}\">Cancel</a></form>";

    public static string ConfirmRedeploy(
        string environment, RetainedReleases.RetainedRelease? live, RunRecord last, string performer, string token) =>
        $"<p class=\"crumbs\"><a href=\"/env/{Url(environment)}\">{E(environment)}</a></p>"
        + $"<h1>Deploy {E(environment)} again?</h1><dl class=\"facts\">"
        + $"<dt>Now live</dt><dd>{(live is null ? "nothing" : $"<strong>{E(live.Version)}</strong> <code>{E(live.Short)}</code> {E(live.Message)}")}</dd>"
        + $"<dt>Deploys</dt><dd><strong>{E(last.Version ?? "-")}</strong> <code>{Short(last.Commit)}</code>, as the last Deploy ({Time(last.Started)} by {E(last.Performer)}: {E(last.Result)})</dd></dl>"
        + $"<p>The whole Deploy runs again for this commit, even if it is live (a new release, health-checked before traffic moves). "
        + $"The history records a Deploy by {E(performer)} (dashboard).</p>"
        + $"<form method=\"post\" action=\"/env/{Url(environment)}/redeploy\"><input type=\"hidden\" name=\"sha\" value=\"{E(last.Commit)}\">"
        + $"<input type=\"hidden\" name=\"csrf\" value=\"{E(token)}\">"
        + $"<button type=\"submit\" class=\"danger\">Deploy {Short(last.Commit)} to {E(environment)} again</button> <a href=\"/env/{Url(environment)}\">Cancel</a></form>";

    public static string Refusal(string error, string? back) =>
        $"<p class=\"error\" role=\"alert\">Error: {E(error)}</p>" + (back is null ? "" : $"<p><a href=\"{E(back)}\">Back</a></p>");
}
