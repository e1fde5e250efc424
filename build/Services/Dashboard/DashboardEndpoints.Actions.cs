using Microsoft.AspNetCore.Http;

namespace KahaDeploy.Services.Dashboard;

/// <summary>
/// The actions: each a confirmation page (GET) that names what will change and issues a one-time token for exactly that,
/// then the POST that spends the token and starts the run. Only for a signed-in user.
/// </summary>
public sealed partial class DashboardEndpoints
{
    private async Task<IResult> ConfirmRollbackAsync(HttpContext http, string environment, string? to)
    {
        if (_sessions.Find(http) is not { } session)
        {
            return Results.Redirect("/signin");
        }

        if (Find(environment) is not { } target)
        {
            return UnknownEnvironment(session, environment);
        }

        var releases = (await view.ReadAsync(target)).Releases;
        if (to is null || releases.FirstOrDefault(r => r.Commit == to) is not { } release)
        {
            return Refuse(session, StatusCodes.Status404NotFound, $"{environment} keeps no release {to}; pick one of its releases.", $"/env/{environment}");
        }

        if (release.State == RetainedReleases.Live)
        {
            return Refuse(session, StatusCodes.Status409Conflict, $"{release.Short} is already live in {environment}; pick another release.", $"/env/{environment}");
        }

        var token = DashboardSessions.IssueForm(session, Purpose("rollback", environment, release.Commit));
        return Page($"Roll back {environment}", session,
            DashboardForms.ConfirmRollback(environment, releases.FirstOrDefault(r => r.State == RetainedReleases.Live), release, session.Name, token), live: false);
    }

    private async Task<IResult> ConfirmRedeployAsync(HttpContext http, string environment)
    {
        if (_sessions.Find(http) is not { } session)
        {
            return Results.Redirect("/signin");
        }

        if (Find(environment) is not { } target)
        {
            return UnknownEnvironment(session, environment);
        }

        var read = await view.ReadAsync(target);
        if (DashboardView.LastDeploy(read) is not { } last)
        {
            return Refuse(session, StatusCodes.Status404NotFound, $"{environment} has no deploy of a commit to run again; deploy from the command line first.", $"/env/{environment}");
        }

        var token = DashboardSessions.IssueForm(session, Purpose("redeploy", environment, last.Commit!));
        return Page($"Deploy {environment} again", session, DashboardForms.ConfirmRedeploy(environment, read.Live, last, session.Name, token), live: false);
    }

    private Task<IResult> RollbackAsync(HttpContext http, string environment) =>
        ActAsync(http, environment, "to", "rollback", "rolled back", (target, commit, name) => actions.StartRollbackAsync(settings, target, commit, name));

    private Task<IResult> RedeployAsync(HttpContext http, string environment) =>
        ActAsync(http, environment, "sha", "redeploy", "deployed", (target, commit, name) => Task.FromResult(actions.StartRedeploy(settings, target, commit, name)));

    /// <summary>Spends the form's one-time token (issued by the confirmation page for this environment and commit), then starts the run (a warm rollback has switched when this answers).</summary>
    private async Task<IResult> ActAsync(
        HttpContext http, string environment, string field, string kind, string done, Func<string, string, string, Task<DashboardActions.Action>> start)
    {
        if (_sessions.Find(http) is not { } session)
        {
            return Refuse(null, StatusCodes.Status403Forbidden, $"sign in first: only a signed-in user may have something {done}.", "/signin");
        }

        if (Find(environment) is null)
        {
            return UnknownEnvironment(session, environment);
        }

        if (await FormAsync(http) is not { } form)
        {
            return NotAForm(session);
        }

        var commit = form[field].ToString();
        var again = $"/env/{environment}";
        var refusal = DashboardSessions.UseForm(session, form["csrf"].ToString(), Purpose(kind, environment, commit)) switch
        {
            DashboardSessions.FormCheck.Missing => $"the form carried no CSRF token, so nothing was {done}; use the button on the environment's page.",
            DashboardSessions.FormCheck.Used => $"this form was already submitted, so nothing was {done} again; use the button anew to do it once more.",
            DashboardSessions.FormCheck.Unknown => $"the form's CSRF token is not one this page issued for that commit, so nothing was {done}; use the button on the environment's page.",
            _ => null,
        };
        if (refusal is not null)
        {
            return Refuse(session, StatusCodes.Status403Forbidden, refusal, again);
        }

        await start(environment, commit, session.Name);
        return SeeOther(http, again);
    }

    private static string Purpose(string kind, string environment, string commit) => $"{kind} {environment} {commit}";
}
