using System.Text.Json.Nodes;

namespace KahaDeploy.Tests.Support;

/// <summary>Asks the deployed app what a browser or curl would.</summary>
public static class Http
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(5) };

    public static string VersionAt(Uri baseUrl) =>
        JsonNode.Parse(Client.GetStringAsync(new Uri(baseUrl, "/version")).GetAwaiter().GetResult())!["version"]!.GetValue<string>();

    public static string CommitAt(Uri baseUrl) =>
        JsonNode.Parse(Client.GetStringAsync(new Uri(baseUrl, "/version")).GetAwaiter().GetResult())!["commit"]!.GetValue<string>();

    public static int PostHit(Uri baseUrl)
    {
        using var response = Client.PostAsync(new Uri(baseUrl, "/hits"), null).GetAwaiter().GetResult();
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(response.Content.ReadAsStringAsync().GetAwaiter().GetResult())!["hits"]!.GetValue<int>();
    }

    public static int Hits(Uri baseUrl) =>
        JsonNode.Parse(Client.GetStringAsync(new Uri(baseUrl, "/hits")).GetAwaiter().GetResult())!["hits"]!.GetValue<int>();
}
