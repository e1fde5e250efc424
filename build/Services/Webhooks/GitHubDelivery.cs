using System.Text.RegularExpressions;

namespace KahaDeploy.Services.Webhooks;

/// <summary>GitHub's headers on one delivery; a value not as GitHub writes it is dropped (null), so it can be logged safely.</summary>
public sealed partial record GitHubDelivery(string? Id, string? HookId, string? Event, string? Signature, string? ContentType)
{
    [GeneratedRegex(@"^[A-Za-z0-9-]{1,64}\z")]
    private static partial Regex DeliveryId();

    [GeneratedRegex(@"^[0-9]{1,20}\z")]
    private static partial Regex Number();

    [GeneratedRegex(@"^[a-z_]{1,64}\z")]
    private static partial Regex EventName();

    public static GitHubDelivery From(Func<string, string?> header, string? contentType) => new(
        Checked(header("X-GitHub-Delivery"), DeliveryId()),
        Checked(header("X-GitHub-Hook-ID"), Number()),
        Checked(header("X-GitHub-Event"), EventName()),
        header("X-Hub-Signature-256"),
        contentType);

    /// <summary>How the logs name this delivery.</summary>
    public string Name => Id ?? "(no valid X-GitHub-Delivery)";

    private static string? Checked(string? value, Regex pattern) => value is not null && pattern.IsMatch(value) ? value : null;
}
