using System.Security.Cryptography;
using System.Text;

namespace KahaDeploy.Services.Webhooks;

/// <summary>Compares a token from a URL with the configured one without telling, by timing, how much of it was right.</summary>
public static class SecretToken
{
    /// <remarks>Both sides are hashed first: FixedTimeEquals returns at once on a length mismatch, which would give the length away.</remarks>
    public static bool Matches(string expected, string? given) =>
        given is not null && CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(expected)),
            SHA256.HashData(Encoding.UTF8.GetBytes(given)));
}
