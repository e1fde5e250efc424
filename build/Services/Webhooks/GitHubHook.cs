using System.Net;

namespace KahaDeploy.Services.Webhooks;

/// <summary>
/// POST /hooks/github: only from GitHub's networks, only with a valid signature, only pushes of a mapped branch of the
/// configured repository; each such push asks the queue for a deploy of its commit (DESIGN.md §5).
/// </summary>
public sealed class GitHubHook(
    GitHubHookSettings settings, DeliveryStore deliveries, DeployQueue queue, ForwardCheck forward, IReadOnlyList<DeploySettings> environments)
{
    /// <summary>Checked before the body is read: a refused peer costs nothing.</summary>
    public HookAnswer? Refuse(IPAddress? client) =>
        client is not null && ClientAddress.IsIn(client, settings.AllowedNetworks)
            ? null
            : new HookAnswer(403, $"{client?.ToString() ?? "a forwarded address that is not an IP"} is not in listener.github.allowedNetworks", Silent: true);

    public async Task<HookAnswer> HandleAsync(GitHubDelivery delivery, byte[] body)
    {
        if (!GitHubSignature.IsValid(settings.Secret, body, delivery.Signature))
        {
            return new HookAnswer(401, "X-Hub-Signature-256 is missing or does not match the body and listener.github.secret");
        }

        if (delivery.Id is null || delivery.HookId is null || delivery.Event is null)
        {
            return new HookAnswer(400, "X-GitHub-Delivery, X-GitHub-Hook-ID and X-GitHub-Event must all be present and valid");
        }

        var mediaType = PayloadReader.MediaType(delivery.ContentType);
        if (mediaType is not (PayloadReader.Json or PayloadReader.Form))
        {
            return new HookAnswer(415, $"content type {mediaType ?? "(none)"} is not application/json or application/x-www-form-urlencoded");
        }

        switch (delivery.Event)
        {
            case "ping":
                return new HookAnswer(200, "pong");
            case not "push":
                return HookAnswer.Ignored(delivery.Event);
        }

        GitHubPush push;
        try
        {
            push = GitHubPush.Parse(body, mediaType);
        }
        catch (PayloadException ex)
        {
            return new HookAnswer(400, ex.Message);
        }

        if (!push.Repository.Equals(settings.Repository, StringComparison.OrdinalIgnoreCase))
        {
            return HookAnswer.Ignored($"a push to {push.Repository}, not {settings.Repository}");
        }

        if (push.Deleted)
        {
            return HookAnswer.Ignored($"{push.Ref} was deleted");
        }

        if (push.Ref.StartsWith(GitHubPush.TagPrefix, StringComparison.Ordinal))
        {
            return HookAnswer.Ignored($"a tag push ({push.Ref})");
        }

        if (!settings.Branches.TryGetValue(push.Ref, out var environment))
        {
            return HookAnswer.Ignored($"{push.Ref} is not mapped to an environment (listener.github.branches)");
        }

        var key = new DeliveryKey("github", delivery.HookId, delivery.Id);

        // Only forward: a redelivery, the same body under another delivery or hook id, or a push overtaken by a newer one.
        if (environments.FirstOrDefault(e => e.Environment == environment) is { } target
            && await forward.OlderThanLiveAsync(target, push.After) is { } older
            && !deliveries.HasSucceeded(key))
        {
            return HookAnswer.Ignored(older);
        }

        var request = new DeployRequest(environment, push.After, null, "github", push.Pusher, key);
        return HookAnswer.For(request, deliveries.Claim(key, () => queue.Enqueue(request)));
    }
}
