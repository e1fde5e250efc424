using System.Net.Http.Json;
using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Webhooks;

/// <summary>
/// Tells Docker Hub how the deploy of a pushed tag ended: {"state", "description"} POSTed to the delivery's callback_url,
/// whose scheme, host and port the hook has already checked against listener.dockerHub.callbackHosts. No redirect is followed, so an allowed
/// host cannot send the request elsewhere. The URL is never logged: it is the delivery's capability.
/// </summary>
public sealed class DockerHubCallback(ICakeLog log)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public async Task SendAsync(Uri callback, DeployJob job)
    {
        var state = job.State switch
        {
            // An older image ignored on purpose is no failure; the description says why.
            DeployState.Succeeded or DeployState.Ignored => "success",
            DeployState.Failed => "failure",
            _ => "error",
        };
        var description = job.Result?.Summary ?? state;
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = Timeout };
        try
        {
            using var response = await client.PostAsJsonAsync(callback, new { state, description = description.Length > 255 ? description[..255] : description });
            log.Information("Deploy {0}: told Docker Hub ({1}) \"{2}\"; it answered {3}.", job.Id, callback.Host, state, (int)response.StatusCode);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            log.Warning("Deploy {0}: the Docker Hub callback to {1} failed ({2}); the deploy itself is not affected.", job.Id, callback.Host, ex.Message);
        }
    }
}
