using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace KahaDeploy.Services.Webhooks;

/// <summary>GitHub's X-Hub-Signature-256: "sha256=" and the hex HMAC-SHA256 of the exact bytes received, keyed with the hook's secret.</summary>
public static class GitHubSignature
{
    private const string Prefix = "sha256=";

    public static bool IsValid(string secret, ReadOnlySpan<byte> body, string? header)
    {
        if (header is null || !header.StartsWith(Prefix, StringComparison.Ordinal) || header.Length != Prefix.Length + 2 * HMACSHA256.HashSizeInBytes)
        {
            return false;
        }

        Span<byte> given = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (Convert.FromHexString(header.AsSpan(Prefix.Length), given, out _, out _) != OperationStatus.Done)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body, expected);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }
}
