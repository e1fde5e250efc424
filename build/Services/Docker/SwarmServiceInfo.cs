namespace KahaDeploy.Services.Docker;

/// <summary>
/// What the manager says about a service: its spec's image and labels (service labels), the spec before the last update
/// (<paramref name="PreviousImage"/>, null when it was never updated), and the state of the last update
/// (<paramref name="UpdateState"/>: <c>updating</c>, <c>completed</c>, <c>paused</c>, <c>rollback_started</c>,
/// <c>rollback_paused</c>, <c>rollback_completed</c>; null before any update) with Swarm's message and when it began
/// (on the manager's clock, like <paramref name="UpdatedAt"/>, the time of the spec's last change).
/// <paramref name="Replicas"/> is null for a global service.
/// </summary>
public sealed record SwarmServiceInfo(
    string Id,
    string Name,
    string Image,
    IReadOnlyDictionary<string, string> Labels,
    string? PreviousImage,
    IReadOnlyDictionary<string, string> PreviousLabels,
    string? UpdateState,
    string UpdateMessage,
    DateTimeOffset? UpdateStartedAt,
    int? Replicas,
    DateTimeOffset? UpdatedAt);
