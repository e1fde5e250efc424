namespace KahaDeploy.Services.Docker;

/// <summary>
/// One task of a service: its <paramref name="Slot"/> (0 for a global service's tasks), the node it was given, the image and
/// container labels of the spec it runs, its <paramref name="State"/> and <paramref name="DesiredState"/> in Swarm's words
/// (<c>new</c> ... <c>preparing</c>, <c>starting</c>, <c>running</c>, <c>shutdown</c>, <c>failed</c>, <c>rejected</c>, ...),
/// Swarm's <paramref name="Message"/> and <paramref name="Error"/>, the container on its node (null before it has one) and
/// when its state last changed.
/// </summary>
public sealed record SwarmTaskInfo(
    string Id,
    string ServiceId,
    int Slot,
    string NodeId,
    string Image,
    IReadOnlyDictionary<string, string> Labels,
    string State,
    string DesiredState,
    string Message,
    string Error,
    string? ContainerId,
    DateTimeOffset? Timestamp)
{
    public bool Running => State == "running";
}
