
namespace KahaDeploy.Services.Webhooks;

/// <summary>
/// GET /status: per environment the live version and the running and waiting deploy; the last deploys and deliveries. No secrets.
/// What the engine says is read at most once a second, however often /status is asked: each read costs the engine queries.
/// </summary>
public sealed class ListenerStatus(AppContainers containers)
{
    private static readonly TimeSpan EngineViewKept = TimeSpan.FromSeconds(1);

    private readonly object _gate = new();
    private Task<EngineView>? _engineView;

    private sealed record EngineView(DateTimeOffset ReadAt, IReadOnlyDictionary<string, object?> Live);

    public async Task<object> ReadAsync(IReadOnlyList<DeploySettings> environments, DeployQueue queue, DeliveryStore deliveries)
    {
        var view = await EngineViewAsync(environments, queue.LastEndedAt);
        var lanes = new List<object>();
        foreach (var settings in environments)
        {
            var (running, waiting) = queue.Describe(settings.Environment);
            lanes.Add(new { environment = settings.Environment, live = view.Live[settings.Environment], running, waiting });
        }

        return new { environments = lanes, engineReadAt = view.ReadAt, deploys = queue.DescribeDone(), deliveries = deliveries.Recent() };
    }

    /// <summary>The last read while it is fresh and no deploy ended since; callers that arrive during a read share it.</summary>
    private Task<EngineView> EngineViewAsync(IReadOnlyList<DeploySettings> environments, DateTimeOffset deployEndedAt)
    {
        lock (_gate)
        {
            if (_engineView is not { } view
                || view is { IsCompletedSuccessfully: true, Result.ReadAt: var at } && (DateTimeOffset.UtcNow - at >= EngineViewKept || at < deployEndedAt)
                || view.IsFaulted)
            {
                _engineView = view = ReadEngineAsync(environments);
            }

            return view;
        }
    }

    private async Task<EngineView> ReadEngineAsync(IReadOnlyList<DeploySettings> environments)
    {
        var readAt = DateTimeOffset.UtcNow;
        var live = new Dictionary<string, object?>();
        foreach (var settings in environments)
        {
            try
            {
                live[settings.Environment] = StatusReader.Describe(await containers.LiveAsync(settings));
            }
            catch (DockerEngineException ex)
            {
                live[settings.Environment] = new { error = ex.Message };
            }
        }

        return new EngineView(readAt, live);
    }
}
