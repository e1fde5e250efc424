using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace KahaDeploy.Services.Dashboard;

/// <summary>
/// Who is signed in, by an unguessable cookie (HttpOnly, SameSite=Strict), kept in memory only: a restart signs everyone
/// out. Every form that changes something carries a one-time token bound to its session and to what it confirms, so a
/// form from another site, a form without its token and the same form sent twice are all refused.
/// </summary>
public sealed class DashboardSessions
{
    public const string CookieName = "kaha_session";

    /// <summary>The sign-in form's own token: it is posted before there is a session (double submit, checked against this cookie).</summary>
    public const string SignInCookieName = "kaha_signin";

    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    private readonly ConcurrentDictionary<string, Session> _sessions = new();

    public sealed record Session(string Name, DateTimeOffset Expires)
    {
        /// <summary>Form token → what it confirms; used tokens stay known, so a replay is told apart from a forgery.</summary>
        public ConcurrentDictionary<string, string> Forms { get; } = new();

        public ConcurrentDictionary<string, byte> Used { get; } = new();

        /// <summary>For the sign-out form, which changes nothing but the session.</summary>
        public string SignOutToken { get; } = NewToken();
    }

    public enum FormCheck { Valid, Missing, Used, Unknown }

    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public void SignIn(HttpContext http, string name)
    {
        var token = NewToken();
        _sessions[token] = new Session(name, DateTimeOffset.UtcNow + Lifetime);
        http.Response.Cookies.Append(CookieName, token, Cookie(http, Lifetime));
    }

    public void SignOut(HttpContext http)
    {
        if (http.Request.Cookies[CookieName] is { } token)
        {
            _sessions.TryRemove(token, out _);
        }

        http.Response.Cookies.Delete(CookieName, Cookie(http, TimeSpan.Zero));
    }

    public Session? Find(HttpContext http)
    {
        if (http.Request.Cookies[CookieName] is not { } token || !_sessions.TryGetValue(token, out var session))
        {
            return null;
        }

        if (session.Expires > DateTimeOffset.UtcNow)
        {
            return session;
        }

        _sessions.TryRemove(token, out _);
        return null;
    }

    /// <summary>A new one-time token for a form that confirms <paramref name="purpose"/> (e.g. "rollback prod 3f2c1ab…").</summary>
    public static string IssueForm(Session session, string purpose)
    {
        var token = NewToken();
        session.Forms[token] = purpose;
        return token;
    }

    /// <summary>Checks and spends the form's token: valid once, for the purpose it was issued for.</summary>
    public static FormCheck UseForm(Session session, string? token, string purpose)
    {
        if (string.IsNullOrEmpty(token))
        {
            return FormCheck.Missing;
        }

        if (session.Used.ContainsKey(token))
        {
            return FormCheck.Used;
        }

        if (!session.Forms.TryRemove(token, out var issuedFor))
        {
            return FormCheck.Unknown;
        }

        session.Used[token] = 0;
        return issuedFor == purpose ? FormCheck.Valid : FormCheck.Unknown;
    }

    public static CookieOptions Cookie(HttpContext http, TimeSpan lifetime) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        // Behind nginx with TLS the browser sees https; on the loopback over plain http a Secure cookie would never come back.
        Secure = http.Request.IsHttps,
        Path = "/",
        MaxAge = lifetime,
    };
}
