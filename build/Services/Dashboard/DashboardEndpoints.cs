using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace KahaDeploy.Services.Dashboard;

/// <summary>
/// The dashboard's routes: pages (signed in unless dashboard.public), sign-in and sign-out, and the Rollback action with its
/// confirmation. Every refusal is one "Error: ..." line that names the fix, and changes nothing.
/// </summary>
public sealed partial class DashboardEndpoints(
    DashboardSettings settings,
    IReadOnlyList<DeploySettings> environments,
    DashboardView view,
    DashboardActions actions,
    Func<Task<object>>? listenerStatus)
{
    private readonly DashboardSessions _sessions = new();
    private readonly SignInLimiter _limiter = new();

    /// <summary>Compared as hashes, so neither the length nor any prefix of the password shows in the time taken.</summary>
    private readonly byte[] _passwordHash = SHA256.HashData(Encoding.UTF8.GetBytes(settings.Password));

    public void Map(WebApplication app)
    {
        // Typed as handlers, not as RequestDelegate: a RequestDelegate's result would be dropped instead of written.
        Func<HttpContext, Task<IResult>> signIn = SignInAsync, signOut = SignOutAsync, overview = OverviewAsync;
        app.MapGet("/assets/{name}", Asset);
        app.MapGet("/signin", SignInPage);
        app.MapPost("/signin", signIn);
        app.MapPost("/signout", signOut);
        app.MapGet("/", overview);
        app.MapGet("/env/{environment}", EnvironmentAsync);
        app.MapGet("/env/{environment}/runs/{id}", RunPage);
        app.MapGet("/env/{environment}/rollback", ConfirmRollbackAsync);
        app.MapPost("/env/{environment}/rollback", RollbackAsync);
        app.MapGet("/env/{environment}/redeploy", ConfirmRedeployAsync);
        app.MapPost("/env/{environment}/redeploy", RedeployAsync);
    }

    private static IResult Asset(string name) =>
        typeof(DashboardEndpoints).Assembly.GetManifestResourceStream($"dashboard/{name}") is { } stream
            ? Results.Stream(stream, name.EndsWith(".css", StringComparison.Ordinal) ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8")
            : Results.NotFound();

    private async Task<IResult> OverviewAsync(HttpContext http)
    {
        if (ReadGate(http, out var session) is { } refused)
        {
            return refused;
        }

        var read = new List<DashboardView.Environment>();
        foreach (var environment in environments)
        {
            read.Add(await view.ReadAsync(environment));
        }

        return Page("Overview", session, DashboardPages.Overview(read, await ListenerView.ReadAsync(listenerStatus)), live: true);
    }

    private async Task<IResult> EnvironmentAsync(HttpContext http, string environment)
    {
        if (ReadGate(http, out var session) is { } refused)
        {
            return refused;
        }

        if (Find(environment) is not { } target)
        {
            return UnknownEnvironment(session, environment);
        }

        return Page(environment, session, DashboardPages.Environment(await view.ReadAsync(target), session is not null, actions.Recent(environment)), live: true);
    }

    private IResult RunPage(HttpContext http, string environment, string id)
    {
        if (ReadGate(http, out var session) is { } refused)
        {
            return refused;
        }

        if (Find(environment) is not { } target)
        {
            return UnknownEnvironment(session, environment);
        }

        var run = view.FindRun(target, id);
        return run is null
            ? Refuse(session, StatusCodes.Status404NotFound, $"{environment} has no run {id}; pick one from the environment's last runs.", $"/env/{environment}")
            : Page($"{run.Target} of {environment}", session, DashboardPages.Run(target, run), live: run.Result == RunRecord.Running);
    }

    private IResult SignInPage(HttpContext http) => SignInForm(http, StatusCodes.Status200OK, null, null);

    private async Task<IResult> SignInAsync(HttpContext http)
    {
        var client = http.Connection.RemoteIpAddress ?? System.Net.IPAddress.None;
        if (_limiter.WaitFor(client) is { TotalSeconds: > 0 } wait)
        {
            http.Response.Headers.RetryAfter = Math.Ceiling(wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Refuse(null, StatusCodes.Status429TooManyRequests,
                $"too many failed sign-ins from this address ({SignInLimiter.Attempts} a minute); wait {Math.Ceiling(wait.TotalSeconds)} s and try again.", "/signin");
        }

        if (await FormAsync(http) is not { } form)
        {
            return NotAForm(null);
        }

        var name = form["name"].ToString().Trim();
        var token = form["csrf"].ToString();
        if (http.Request.Cookies[DashboardSessions.SignInCookieName] is not { Length: > 0 } expected
            || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(token)))
        {
            return SignInForm(http, StatusCodes.Status403Forbidden, "the sign-in form carried no valid CSRF token; sign in from this page.", name);
        }

        if (!CryptographicOperations.FixedTimeEquals(_passwordHash, SHA256.HashData(Encoding.UTF8.GetBytes(form["password"].ToString()))))
        {
            _limiter.Failed(client);
            return SignInForm(http, StatusCodes.Status401Unauthorized, "wrong password; use dashboard.password from the server's secrets.", name);
        }

        if (!OptionValues.IsPerformerName(name))
        {
            return SignInForm(http, StatusCodes.Status400BadRequest, "give your name (1 to 64 printable characters): the history records who rolled back.", null);
        }

        http.Response.Cookies.Delete(DashboardSessions.SignInCookieName);
        _sessions.SignIn(http, name);
        return SeeOther(http, "/");
    }

    private async Task<IResult> SignOutAsync(HttpContext http)
    {
        if (_sessions.Find(http) is { } session && await FormAsync(http) is { } form && form["csrf"] == session.SignOutToken)
        {
            _sessions.SignOut(http);
        }

        return SeeOther(http, "/signin");
    }

    /// <summary>The sign-in form with a fresh token, set as a cookie too (double submit: there is no session yet to bind it to).</summary>
    private IResult SignInForm(HttpContext http, int status, string? error, string? name)
    {
        var token = DashboardSessions.NewToken();
        http.Response.Cookies.Append(DashboardSessions.SignInCookieName, token, DashboardSessions.Cookie(http, TimeSpan.FromHours(1)));
        return Page("Sign in", null, DashboardForms.SignIn(token, error, name), live: false, status);
    }

    /// <summary>Read-only pages need a session unless dashboard.public is set; returns the redirect to the sign-in page otherwise.</summary>
    private IResult? ReadGate(HttpContext http, out DashboardSessions.Session? session)
    {
        session = _sessions.Find(http);
        return session is null && !settings.Public ? Results.Redirect("/signin") : null;
    }

    private DeploySettings? Find(string environment) => environments.FirstOrDefault(e => e.Environment == environment);

    private IResult UnknownEnvironment(DashboardSessions.Session? session, string environment) =>
        Refuse(session, StatusCodes.Status404NotFound,
            $"there is no environment '{environment}'; use one of {string.Join(", ", environments.Select(e => e.Environment))}.", "/");

    /// <summary>The posted form; null for a body that is no form (which ReadFormAsync would answer with an exception, a 500).</summary>
    private static async Task<IFormCollection?> FormAsync(HttpContext http) =>
        http.Request.HasFormContentType ? await http.Request.ReadFormAsync() : null;

    private static IResult NotAForm(DashboardSessions.Session? session) =>
        Refuse(session, StatusCodes.Status415UnsupportedMediaType, "the request is not a form; submit the page's form (application/x-www-form-urlencoded).", "/");

    /// <summary>After a POST: the browser GETs the page (a reload then does not send the form again).</summary>
    private static IResult SeeOther(HttpContext http, string url)
    {
        http.Response.Headers.Location = url;
        return Results.StatusCode(StatusCodes.Status303SeeOther);
    }

    private static IResult Refuse(DashboardSessions.Session? session, int status, string error, string? back) =>
        Page("Refused", session, DashboardForms.Refusal(error, back), live: false, status);

    private static IResult Page(string title, DashboardSessions.Session? session, string body, bool live, int status = StatusCodes.Status200OK) =>
        Results.Content(Html.Page(title, session?.Name, session?.SignOutToken, body, live), "text/html; charset=utf-8", Encoding.UTF8, status);
}
