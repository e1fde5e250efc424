namespace KahaDeploy.Services.Webhooks;

/// <summary>
/// A hook's decision on one delivery: the HTTP status, and the reason, which is always logged but sent back only when
/// <paramref name="Silent"/> is false (a refused stranger learns nothing).
/// </summary>
public sealed record HookAnswer(int Status, string Message, bool Silent = false, string? Deploy = null)
{
    public static HookAnswer Ignored(string why) => new(202, $"ignored: {why}");

    /// <summary>The answer to a delivery that asked for <paramref name="request"/>.</summary>
    public static HookAnswer For(DeployRequest request, (DeliveryStore.Outcome Outcome, string DeployId, bool Started) claim) => claim.Outcome switch
    {
        DeliveryStore.Outcome.Duplicate => new(200, $"duplicate: deploy {claim.DeployId} already did this delivery"),
        DeliveryStore.Outcome.InFlight => new(202, $"already queued: deploy {claim.DeployId}", Deploy: claim.DeployId),
        _ when claim.Started => new(202, $"accepted: deploy {claim.DeployId} of {request.What} to {request.Environment} started", Deploy: claim.DeployId),
        _ => new(202, $"accepted: deploy {claim.DeployId} of {request.What} to {request.Environment} runs after the running one (newer pushes fold into it)", Deploy: claim.DeployId),
    };
}
