using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Web;

namespace KahaDeploy.Services.Webhooks;

/// <summary>
/// Reads a hook's body as JSON (application/json, or GitHub's form encoding with the JSON in "payload"), and its
/// fields by path. Every field that leaves here is checked against a strict pattern: payload text ends up in
/// logs and on a command line, so nothing odd may pass.
/// </summary>
public static partial class PayloadReader
{
    public const string Json = "application/json";
    public const string Form = "application/x-www-form-urlencoded";

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._\[\]-]{0,63}\z")]
    public static partial Regex UserName();

    /// <summary>The media type without parameters (charset), lower case; null when there is none.</summary>
    public static string? MediaType(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed) ? parsed.MediaType?.ToLowerInvariant() : null;

    /// <exception cref="PayloadException">The body is not JSON, or a form without a payload field.</exception>
    public static JsonElement Parse(byte[] body, string mediaType)
    {
        var json = body;
        if (mediaType == Form)
        {
            var payload = HttpUtility.ParseQueryString(Encoding.UTF8.GetString(body))["payload"]
                          ?? throw new PayloadException("the form has no payload field");
            json = Encoding.UTF8.GetBytes(payload);
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? document.RootElement.Clone()
                : throw new PayloadException("the payload is not a JSON object");
        }
        catch (JsonException)
        {
            throw new PayloadException("malformed JSON");
        }
    }

    /// <summary>The string at a dotted path such as "repository.full_name", which must match <paramref name="pattern"/>.</summary>
    public static string String(JsonElement root, string path, Regex pattern) =>
        OptionalString(root, path, pattern) ?? throw new PayloadException($"missing field {path}");

    /// <summary>Like <see cref="String"/>, but a field that is absent or null is null.</summary>
    public static string? OptionalString(JsonElement root, string path, Regex pattern)
    {
        var value = At(root, path) switch
        {
            null or { ValueKind: JsonValueKind.Null } => null,
            { ValueKind: JsonValueKind.String } field => Text(field, path),
            _ => throw new PayloadException($"field {path} is not a string"),
        };
        return value is null || pattern.IsMatch(value) ? value : throw new PayloadException($"field {path} is not valid");
    }

    /// <remarks>The parser leaves string contents alone: invalid UTF-8, or a lone surrogate such as \ud800, shows only here.</remarks>
    private static string Text(JsonElement field, string path)
    {
        try
        {
            return field.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new PayloadException($"field {path} is not valid UTF-8 text");
        }
    }

    public static bool Boolean(JsonElement root, string path) => At(root, path) switch
    {
        null or { ValueKind: JsonValueKind.Null } => false,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw new PayloadException($"field {path} is not true or false"),
    };

    private static JsonElement? At(JsonElement root, string path)
    {
        var current = root;
        foreach (var name in path.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
            {
                return null;
            }
        }

        return current;
    }
}

/// <summary>A body that cannot be used: answered 400 with this message.</summary>
public sealed class PayloadException(string message) : Exception(message);
