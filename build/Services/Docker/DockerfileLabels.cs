using System.Text;
using System.Text.RegularExpressions;

namespace KahaDeploy.Services.Docker;

/// <summary>
/// Build labels written into the Dockerfile as one <c>LABEL</c> instruction. Given to the engine as build
/// parameters instead, the classic builder adds a <c>LABEL</c> step per label, each an intermediate container and
/// a commit: most of a second of engine work per deploy (six labels), on the server serving the live release.
/// </summary>
public static partial class DockerfileLabels
{
    /// <summary>The Dockerfile with a last line <c>LABEL "key"="value" …</c> (it applies to the final stage, as the engine's own labels do).</summary>
    public static string Append(string dockerfile, IReadOnlyDictionary<string, string> labels)
    {
        if (labels.Count == 0)
        {
            return dockerfile;
        }

        var escape = EscapeDirective().Match(dockerfile) is { Success: true } directive ? directive.Groups[1].Value[0] : '\\';
        var line = new StringBuilder("LABEL");
        foreach (var (key, value) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            line.Append(' ').Append(Quoted(key, escape)).Append('=').Append(Quoted(value, escape));
        }

        return dockerfile.TrimEnd('\r', '\n') + "\n" + line + "\n";
    }

    private static string Quoted(string text, char escape)
    {
        if (text.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new ArgumentException($"The image label '{text}' has a line break; labels are single lines.", nameof(text));
        }

        var quoted = new StringBuilder("\"");
        foreach (var c in text)
        {
            if (c is '"' or '$' || c == escape)
            {
                quoted.Append(escape);
            }

            quoted.Append(c);
        }

        return quoted.Append('"').ToString();
    }

    /// <summary>A <c># escape=`</c> parser directive: only at the top, before any blank line, comment or instruction.</summary>
    [GeneratedRegex(@"\A(?:[ \t]*#[ \t]*(?!escape)[a-zA-Z]+[ \t]*=[^\n]*\n)*[ \t]*#[ \t]*escape[ \t]*=[ \t]*(\S)[ \t]*\r?$", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex EscapeDirective();
}
