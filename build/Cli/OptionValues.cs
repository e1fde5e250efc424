using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace KahaDeploy.Cli;

/// <summary>
/// How the tool's options turn what was typed into values, each refusing a bad value with the one line that names it and
/// the fix. Every function takes the value as given (null when the option is absent) and the option's name.
/// </summary>
public static partial class OptionValues
{
    private static readonly string[] Triggers = ["cli", "ci", "github", "dockerhub", "dashboard"];

    public static string? Text(string? value, string name) => value;

    public static bool Flag(string? value, string name) => value is not null;

    [GeneratedRegex(@"^[0-9a-fA-F]{7,40}\z")]
    private static partial Regex CommitId();

    public static string? Commit(string? value, string name) =>
        value is null || CommitId().IsMatch(value)
            ? value?.ToLowerInvariant()
            : throw new CommandLineException($"--{name}={Shown(value)} is not a commit id; give 7 to 40 hex characters, e.g. --{name}=3f2c1ab.");

    /// <summary>A name as people write it (spaces inside allowed), but nothing that could break a log line or a history record.</summary>
    [GeneratedRegex(@"^[^\s\p{C}](?:[^\p{C}]{0,62}[^\s\p{C}])?\z")]
    private static partial Regex PerformerName();

    /// <summary>Whether a name typed elsewhere (the dashboard's sign-in) is one --performer would take.</summary>
    public static bool IsPerformerName(string name) => PerformerName().IsMatch(name);

    public static string? Performer(string? value, string name) =>
        value is null || IsPerformerName(value)
            ? value
            : throw new CommandLineException($"--{name}={Shown(value)} is not a name; give 1 to 64 printable characters, without control characters or spaces at either end, e.g. --{name}=alice.");

    /// <summary>cli unless the CI variable is set (as CI services set it): then ci.</summary>
    public static string Trigger(string? value, string name)
    {
        var trigger = value ?? (Environment.GetEnvironmentVariable("CI") is { Length: > 0 } ? "ci" : "cli");
        return Triggers.Contains(trigger)
            ? trigger
            : throw new CommandLineException($"--{name}={Shown(trigger)} is not a trigger; use one of {string.Join(", ", Triggers)}.");
    }

    /// <summary>A number of <paramref name="what"/>, for an option that was given.</summary>
    public static int Count(string value, string name, string what) =>
        int.TryParse(value, out var count) && count is > 0 and <= 100_000
            ? count
            : throw new CommandLineException($"--{name}={Shown(value)} is not a number of {what}; use a whole number from 1 to 100000, e.g. --{name}=20.");

    public static TimeSpan Seconds(string? value, string name) =>
        value is null
            ? TimeSpan.Zero
            : int.TryParse(value, out var seconds) && seconds is >= 0 and <= 86400
                ? TimeSpan.FromSeconds(seconds)
                : throw new CommandLineException($"--{name}={Shown(value)} is not a number of seconds; use a whole number from 0 to 86400.");

    [GeneratedRegex(@"^([0-9]+)([smhd])\z")]
    private static partial Regex Duration();

    /// <summary>A duration back from now (10m) or a time.</summary>
    public static DateTimeOffset? Since(string? value, string name)
    {
        if (value is null)
        {
            return null;
        }

        if (Duration().Match(value) is { Success: true } duration && int.TryParse(duration.Groups[1].Value, out var amount))
        {
            var unit = duration.Groups[2].Value switch { "s" => TimeSpan.FromSeconds(1), "m" => TimeSpan.FromMinutes(1), "h" => TimeSpan.FromHours(1), _ => TimeSpan.FromDays(1) };
            return DateTimeOffset.UtcNow - unit * amount;
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new CommandLineException($"--{name}={Shown(value)} is neither a duration nor a time; use e.g. --{name}=10m (s, m, h or d) or --{name}=2026-11-25T04:00:00Z.");
    }

    public static string? Image(string? value, string name) =>
        value is null || ImageReference.TryParse(value, out var reference) && reference.Tag is not null
            ? value
            : throw new CommandLineException($"--{name}={Shown(value)} is not an image reference with a tag; write REGISTRY/REPOSITORY:TAG, e.g. --{name}=kaha/app:v1.2.");

    public static IPAddress? Address(string? value, string name) =>
        value is null
            ? null
            : IPAddress.TryParse(value, out var address)
                ? address
                : throw new CommandLineException($"--{name}={Shown(value)} is not an IP address; use e.g. --{name}=127.0.0.1 or --{name}=0.0.0.0.");

    public static int? Port(string? value, string name) =>
        value is null
            ? null
            : int.TryParse(value, out var port) && port is > 0 and < 65536
                ? port
                : throw new CommandLineException($"--{name}={Shown(value)} is not a port; use a number from 1 to 65535, e.g. --{name}=9000.");

    /// <summary>Text, unless --log-format=json asks for one JSON object per line.</summary>
    public static bool JsonLines(string? value, string name) => (value ?? "text").ToLowerInvariant() switch
    {
        "text" => false,
        "json" => true,
        _ => throw new ConfigException(
            $"--{name}={value} is not a log format; use --{name}=json for one JSON object per line, or leave it out for text."),
    };

    [GeneratedRegex(@"\p{C}")]
    private static partial Regex Invisible();

    /// <summary>A refused value as the one error line shows it: a control character in it must not start a second line.</summary>
    private static string Shown(string value) => Invisible().Replace(value, match => $"\\u{(int)match.Value[0]:x4}");
}
