namespace KahaDeploy.Services.Redis;

/// <summary>
/// Where a Redis answers and how to log in, as redis-cli takes it: host, port and user as arguments, the password only
/// in REDISCLI_AUTH (an exec's environment shows in no 'ps' and no 'docker inspect').
/// </summary>
public sealed record RedisEndpoint(string Host, int Port, string? User, string? Password, bool Tls)
{
    /// <summary>The settings' Redis: the local container by its name on the network, or the configured URL.</summary>
    public static RedisEndpoint For(DeploySettings settings)
    {
        if (settings.LocalRedis is { } local)
        {
            return new RedisEndpoint(local.Container, 6379, null, local.Password, Tls: false);
        }

        var url = new Uri(settings.RedisUrl ?? throw new RedisBackupException($"{settings.Environment} has no redis to back up; add a \"redis\" section to environments.{settings.Environment}."));
        var login = url.UserInfo.Split(':', 2);
        var user = login[0].Length > 0 ? Uri.UnescapeDataString(login[0]) : null;
        var password = login.Length > 1 ? Uri.UnescapeDataString(login[1]) : null;
        return new RedisEndpoint(url.Host, url.IsDefaultPort || url.Port < 0 ? 6379 : url.Port, user, password, url.Scheme == "rediss");
    }

    /// <summary>What a person may read: never the password.</summary>
    public override string ToString() => $"{Host}:{Port}";

    /// <summary>redis-cli's connection arguments, without the password.</summary>
    public IReadOnlyList<string> CliArguments =>
        ["-h", Host, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. User is null ? Array.Empty<string>() : ["--user", User], .. Tls ? ["--tls"] : Array.Empty<string>()];

    public IReadOnlyDictionary<string, string> Auth =>
        Password is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["REDISCLI_AUTH"] = Password };
}

public sealed class RedisBackupException(string message) : Exception(message);
