using System.Text.RegularExpressions;

namespace KahaDeploy.Services.Redis;

/// <summary>
/// What Redis's own checker (redis-check-rdb, the redis-server binary under that name) reads from an RDB file: the
/// version that wrote it and its keys. It reads the whole file and its checksum, so the count is the file's, not a
/// count taken from the live Redis a moment later.
/// </summary>
public static partial class RdbCheck
{
    public sealed record Result(string RedisVersion, long Keys, long Expires);

    /// <summary>The checker's command for a file inside a scratch container.</summary>
    public static IReadOnlyList<string> Command(string file) =>
        ["sh", "-c", "ln -sf \"$(command -v redis-server)\" /tmp/redis-check-rdb && exec /tmp/redis-check-rdb \"$1\"", "sh", file];

    public static Result Parse(int exitCode, string output, string file)
    {
        if (exitCode != 0 || !output.Contains("RDB looks OK", StringComparison.Ordinal))
        {
            // Its error is the line after the banner, e.g. "[offset 49] Unexpected EOF reading RDB file".
            var lines = output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var banner = Array.FindIndex(lines, line => line.Contains("RDB ERROR DETECTED", StringComparison.Ordinal));
            var reason = banner >= 0 && banner + 1 < lines.Length ? lines[banner + 1] : lines.LastOrDefault() ?? $"exit code {exitCode}";
            throw new RedisBackupException($"{file} is not a readable Redis snapshot ({reason}).");
        }

        return new Result(
            Version().Match(output) is { Success: true } version ? version.Groups[1].Value : "unknown",
            long.Parse(Keys().Match(output).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            Expires().Match(output) is { Success: true } expires ? long.Parse(expires.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0);
    }

    [GeneratedRegex(@"AUX FIELD redis-ver = '([^']*)'")]
    private static partial Regex Version();

    [GeneratedRegex(@"\[info\] (\d+) keys read")]
    private static partial Regex Keys();

    [GeneratedRegex(@"\[info\] (\d+) expires")]
    private static partial Regex Expires();
}
