using KahaDeploy.Configuration;

namespace KahaDeploy.Services.Webhooks;

/// <summary>
/// POST /hooks/dockerhub/{token}: Docker Hub signs nothing, so the token in the path is the authentication. A pushed
/// REPOSITORY:TAG that maps to an environment is pulled from that environment's registry repository and deployed; the
/// result goes to callback_url only when its host is on the allow list.
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

        var callbackAllowed = settings.CallbackHosts.Contains(push.Callback.Host, StringComparer.OrdinalIgnoreCase);
        var key = new DeliveryKey("dockerhub", push.Repository, deliveryId);
        var request = new DeployRequest(environment, null, $"{settings.PullRepositories[environment]}:{push.Tag}", "dockerhub", push.Pusher, key,
            callbackAllowed ? push.Callback : null, AllowOlder: settings.AllowOlder.Contains(mapping));
        var answer = HookAnswer.For(request, deliveries.Claim(key, () => queue.Enqueue(request)));
        return callbackAllowed
            ? answer
            : answer with { Message = $"{answer.Message}; callback host {push.Callback.Host} is not in listener.dockerHub.callbackHosts, so it will not be called" };
    }
}
