namespace KahaDeploy.Services.Redis;

/// <summary>
/// The JSON file beside each backup: what it holds and how it was taken, so Verify and Restore can tell a whole file
/// from a damaged one and know how many keys must come back. <paramref name="Expires"/> of the keys carry a time to
/// live: those may be gone by the time the file is loaded.
/// </summary>
public sealed record BackupSidecar(
    string File,
    string Environment,
    DateTimeOffset Taken,
    long SizeBytes,
    string Sha256,
    string RedisVersion,
    long Keys,
    long Expires,
    double DurationSeconds,
    string Source)
{
    /// <summary>Whether a Redis holding <paramref name="loaded"/> keys holds what this backup holds (keys with a time to live may have expired since).</summary>
    public bool Matches(long loaded) => loaded <= Keys && loaded >= Keys - Expires;

    public string KeysText => Expires == 0 ? $"{Keys} keys" : $"{Keys} keys ({Expires} with a time to live)";
}
