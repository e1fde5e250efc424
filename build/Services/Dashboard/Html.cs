using System.Globalization;
using System.Net;
using System.Text;

namespace KahaDeploy.Services.Dashboard;

/// <summary>The page frame and the small pieces every page uses; every value goes through <see cref="E"/>.</summary>
public static class Html
{
    public static string E(object? value) => WebUtility.HtmlEncode(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");

    public static string Url(string value) => Uri.EscapeDataString(value);

    public static string Time(DateTimeOffset? time) =>
        time is { } at ? E(at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC") : "-";

    public static string Short(string? commit) => commit is null ? "-" : E(commit[..Math.Min(12, commit.Length)]);

    /// <summary>A state with its colour and its word: the colour helps, the word tells (not colour alone).</summary>
    public static string Badge(string text)
    {
        var kind = text switch
        {
            "healthy" or RunRecord.Succeeded or RetainedReleases.Live => "ok",
            RunRecord.Running or RetainedReleases.Standby or "waiting" => "busy",
            RunRecord.Unchanged or RetainedReleases.Stopped or RetainedReleases.ImageOnly => "idle",
            RunRecord.FailedOver => "warn",
            _ when text.StartsWith("unhealthy", StringComparison.Ordinal) => "warn",
            _ => "bad",
        };
        return $"<span class=\"badge {kind}\">{E(text)}</span>";
    }

    /// <summary>A whole page: the stylesheet and the live-update script are the tool's own files (no CDN, no inline script).</summary>
    public static string Page(string title, string? signedInAs, string? signOutToken, string body, bool live)
    {
        var page = new StringBuilder();
        page.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<meta name=\"color-scheme\" content=\"light dark\">")
            .Append($"<title>{E(title)} · kaha-deploy</title>")
            .Append("<link rel=\"stylesheet\" href=\"/assets/dashboard.css\">");
        if (live)
        {
            page.Append("<script src=\"/assets/live.js\" defer></script>");
        }

        page.Append("</head><body><header><a class=\"brand\" href=\"/\">kaha-deploy</a>");
        if (signedInAs is not null)
        {
            page.Append($"<form class=\"who\" method=\"post\" action=\"/signout\"><span>Signed in as <strong>{E(signedInAs)}</strong></span>")
                .Append($"<input type=\"hidden\" name=\"csrf\" value=\"{E(signOutToken)}\"><button type=\"submit\">Sign out</button></form>");
        }
        else
        {
            page.Append("<a class=\"who\" href=\"/signin\">Sign in</a>");
        }

        page.Append($"</header><main{(live ? " data-live" : "")}>").Append(body).Append("</main></body></html>");
        return page.ToString();
    }
}
