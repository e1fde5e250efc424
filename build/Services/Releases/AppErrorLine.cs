using System.Text.RegularExpressions;

namespace KahaDeploy.Services.Releases;

/// <summary>
/// The last line of an app's output that looks like an error, to quote in a failure: the cause of a failed health check
/// (WRONGPASS, ECONNREFUSED, a stack trace's message) is in the app's log, not in the status code it answered with.
/// </summary>
public sealed partial class AppErrorLine(SecretMasker masker)
{
    private const int MaxLength = 300;

    [GeneratedRegex(@"\b(error|err|fatal|fail|failed|failure|exception|panic|unavailable|not available|refused|denied|wrongpass|noauth|econn\w*|enotfound|eaddrinuse|etimedout|timeout|cannot|unable)\b",
        RegexOptions.IgnoreCase)]
    private static partial Regex ErrorWords();

    /// <summary>"; its last error: ..." for the last error-looking line of <paramref name="logs"/>, masked; empty when there is none.</summary>
    public string Quote(string logs)
    {
        var line = logs.Split('\n').Select(l => l.Trim()).LastOrDefault(l => ErrorWords().IsMatch(l));
        if (line is null)
        {
            return "";
        }

        line = masker.Apply(line);
        return $"; its last error: \"{(line.Length > MaxLength ? line[..MaxLength] + "..." : line)}\"";
    }
}
