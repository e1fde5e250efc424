using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace KahaDeploy.Tests.Support;

/// <summary>The "listener" section of a sandbox's config, with its secrets put into the sandbox's environment.</summary>
public static class ListenerConfig
{
    public static string NewSecret(string name) => $"{name}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}";

    /// <summary>GitHub pushes to master deploy <paramref name="environment"/>; only 127.0.0.1 may send them.</summary>
    public static JsonObject GitHub(Sandbox sandbox, string secret, string environment = "prod")
    {
        sandbox.Secrets["GITHUB_WEBHOOK_SECRET"] = secret;
        return new JsonObject
        {
            ["shutdownGraceSeconds"] = 120,
            ["github"] = new JsonObject
            {
                ["secret"] = "${GITHUB_WEBHOOK_SECRET}",
                ["repository"] = FakeGitHub.Repository,
                ["branches"] = new JsonObject { ["refs/heads/master"] = environment },
                ["allowedNetworks"] = new JsonArray("127.0.0.1/32"),
            },
        };
    }
}
