using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace KahaDeploy.Services.Webhooks;

/// <summary>
/// Kestrel decodes %2e and removes dot segments before routing, so /hooks/%2e%2e/status would reach /status. No
/// endpoint here needs an encoded '.', '/' or '\', or a dot segment: such a request is refused on its raw path.
/// </summary>
public static class PathGuard
{
    private static readonly string[] Encoded = ["%2e", "%2f", "%5c"];

    public static Task RefuseAsync(HttpContext http, RequestDelegate next)
    {
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? http.Request.Path.Value ?? "";
        var path = raw.Split('?', 2)[0];
        if (Encoded.Any(e => path.Contains(e, StringComparison.OrdinalIgnoreCase)) || path.Split('/').Any(segment => segment is "." or ".."))
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            http.Response.ContentType = "application/json; charset=utf-8";
            return http.Response.WriteAsync("{\"message\":\"the path holds an encoded '.', '/' or '\\\\', or a '.' or '..' segment; ask for the path itself\"}");
        }

        return next(http);
    }
}
