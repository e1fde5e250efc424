using KahaDeploy.Configuration;

namespace KahaDeploy.Services.Webhooks;

/// <summary>GET /status: per environment the live version and the running and waiting deploy; the last deploys and deliveries. No secrets.</summary>
public sealed class ListenerStatus(AppContainers containers)
{
    public async Task<object> ReadAsync(IReadOnlyList<DeploySettings> environments, DeployQueue queue, DeliveryStore deliveries)
    {
        var lanes = new List<object>();
        foreach (var settings in environments)
        {
            var (running, waiting) = queue.Describe(settings.Environment);
            object? live;
            try
            {
                live = StatusReader.Describe(await containers.LiveAsync(settings));
            }
            catch (DockerEngineException ex)
            {
                live = new { error = ex.Message };
            }

            lanes.Add(new { environment = settings.Environment, live, running, waiting });
        }

        return new { environments = lanes, deploys = queue.DescribeDone(), deliveries = deliveries.Recent() };
    }
}
