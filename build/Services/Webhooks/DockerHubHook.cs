
namespace KahaDeploy.Services.Webhooks;

/// <summary>
/// POST /hooks/dockerhub/{token}: Docker Hub signs nothing, so the token in the path is the authentication. A pushed
/// REPOSITORY:TAG that maps to an environment is pulled from that environment's registry repository and deployed; the
/// result goes to callback_url only when its scheme, host and port are on the allow list; a push without one is deployed all the same.
/// </summary>
public sealed class DockerHubHook(DockerHubHookSettings settings, DeliveryStore deliveries, DeployQueue queue)
{
    /// <summary>A wrong token looks exactly like an unknown path.</summary>
    public HookAnswer? Refuse(string? token) =>
        SecretToken.Matches(settings.Token, token) ? null : new HookAnswer(404, "wrong token", Silent: true);

    public HookAnswer Handle(string deliveryId, string? contentType, byte[] body)
    {
        var mediaType = PayloadReader.MediaType(contentType);
        if (mediaType is not PayloadReader.Json)
        {
            return new HookAnswer(415, $"content type {mediaType ?? "(none)"} is not application/json");
        }

        DockerHubPush push;
        try
        {
            push = DockerHubPush.Parse(body);
        }
        catch (PayloadException ex)
        {
            return new HookAnswer(400, ex.Message);
        }

        var image = $"{push.Repository}:{push.Tag}";
        var mapping = settings.Images.ContainsKey(image) ? image : $"{push.Repository}:*";
        if (!settings.Images.TryGetValue(mapping, out var environment))
        {
            return HookAnswer.Ignored($"{image} is not mapped to an environment (listener.dockerHub.images)");
        }

        var refusedCallback = push.Callback is { } callback && !settings.CallbackHosts.Any(origin => origin.Allows(callback)) ? callback : null;
        var key = new DeliveryKey("dockerhub", push.Repository, deliveryId);
        var request = new DeployRequest(environment, null, $"{settings.PullRepositories[environment]}:{push.Tag}", "dockerhub", push.Pusher, key,
            refusedCallback is null ? push.Callback : null, AllowOlder: settings.AllowOlder.Contains(mapping));
        var answer = HookAnswer.For(request, deliveries.Claim(key, () => queue.Enqueue(request)));
        // Only the origin is named: the callback's path is the delivery's capability.
        return refusedCallback is null
            ? answer
            : answer with { Message = $"{answer.Message}; callback {refusedCallback.Scheme}://{refusedCallback.Authority} is not in listener.dockerHub.callbackHosts, so it will not be called" };
    }
}
