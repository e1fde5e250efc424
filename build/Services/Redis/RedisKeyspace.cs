using System.Globalization;
using System.Text.RegularExpressions;

namespace KahaDeploy.Services.Redis;

/// <summary>Reading a Redis that just started from a snapshot: when it answers, and how many keys it holds over all its databases.</summary>
public static partial class RedisKeyspace
{
    private static readonly TimeSpan LoadTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Asks until PONG (a Redis loading its data answers LOADING); <paramref name="gone"/> says whether it stopped meanwhile, and why.</summary>
    public static async Task WaitUntilLoadedAsync(Func<IReadOnlyList<string>, Task<string>> redisCli, Func<Task<string?>> gone, string what)
    {
        var deadline = DateTimeOffset.UtcNow + LoadTimeout;
        while (true)
        {
            var answer = await redisCli(["PING"]);
            if (answer.Contains("PONG", StringComparison.Ordinal))
            {
                return;
            }

            if (await gone() is { } why)
            {
                throw new RedisBackupException($"{what} did not load: {why}.");
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new RedisBackupException($"{what} was still not answering after {LoadTimeout.TotalMinutes:N0} minutes ({answer.ReplaceLineEndings(" ").Trim()}).");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The sum of keys=N over INFO keyspace's db lines (an empty Redis lists none).</summary>
    public static async Task<long> CountAsync(Func<IReadOnlyList<string>, Task<string>> redisCli) =>
        DatabaseKeys().Matches(await redisCli(["INFO", "keyspace"])).Sum(match => long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^db\d+:keys=(\d+)", RegexOptions.Multiline)]
    private static partial Regex DatabaseKeys();
}
