namespace KahaDeploy.Services.Docker;

/// <summary>
/// What the engine says about one container. <paramref name="ImageId"/> is the <c>sha256:</c> id the
/// container runs, <paramref name="ImageReference"/> the reference it was created from, <paramref name="State"/>
/// the engine's state word (<c>created</c>, <c>running</c>, <c>exited</c>, ...), <paramref name="Ports"/> the
/// configured port bindings (also known while the container is stopped), <paramref name="Mounts"/> the host source of each
/// mounted path in the container, by that path.
/// </summary>
public sealed record ContainerInfo(
    string Id,
    string Name,
    string ImageId,
    string ImageReference,
    string State,
    bool Running,
    DateTimeOffset? StartedAt,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<string> Networks,
    IReadOnlyList<PublishedPort> Ports,
    IReadOnlyDictionary<string, string> Mounts);
