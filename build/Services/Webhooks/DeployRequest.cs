namespace KahaDeploy.Services.Webhooks;

/// <summary>Who asked: GitHub's (hook id, delivery id), or Docker Hub's repository with an id of our own (it sends none).</summary>
public readonly record struct DeliveryKey(string Source, string Hook, string Delivery);

/// <summary>A deploy a hook asked for: a commit (<paramref name="Sha"/>) or a pushed image (<paramref name="Image"/>).</summary>
/// <param name="Callback">Where to report the result (Docker Hub), already checked against the allow list.</param>
/// <param name="AllowOlder">The mapping lets this push deploy an image older than the live one (listener.dockerHub.images, allowOlder).</param>
public sealed record DeployRequest(
    string Environment,
    string? Sha,
    string? Image,
    string Trigger,
    string Performer,
    DeliveryKey Delivery,
    Uri? Callback = null,
    bool AllowOlder = false)
{
    /// <summary>What gets deployed, for people: the short commit or the image.</summary>
    public string What => Sha is not null ? Sha[..12] : Image!;
}
