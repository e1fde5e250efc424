using System.Text.Json.Nodes;

namespace KahaDeploy.Tests.Support;

/// <summary>What Status --json says about one environment.</summary>
public sealed record StatusJson(string? LiveVersion, string? LiveState, string? PreviousVersion, string? PreviousState, string Health)
{
    public static StatusJson Of(Sandbox sandbox, string environment)
    {
        var result = sandbox.Tool("--target=Status", $"--env={environment}", "--json");
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("Status failed: " + result);
        }

        var env = JsonNode.Parse(result.StdOut)!["environments"]!.AsArray().Single()!;
        return new StatusJson(
            env["live"]?["version"]?.GetValue<string>(),
            env["live"]?["state"]?.GetValue<string>(),
            env["previous"]?["version"]?.GetValue<string>(),
            env["previous"]?["state"]?.GetValue<string>(),
            env["health"]!.GetValue<string>());
    }
}
