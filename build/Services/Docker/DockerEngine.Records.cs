using System.Net;
using Docker.DotNet;

namespace KahaDeploy.Services.Docker;

public sealed partial class DockerEngine
{
    /// <summary>
    /// Creates the container without starting it, unless one of that name exists: the engine gives a name out once
    /// (409 Conflict for the second), so of several callers on one engine exactly one gets the new container's id, the others null.
    /// </summary>
    public async Task<string?> TryCreateContainerAsync(ContainerSpec spec)
    {
        try
        {
            return await CreateContainerAsync(spec).ConfigureAwait(false);
        }
        catch (DockerEngineException e) when (e.InnerException is DockerApiException { StatusCode: HttpStatusCode.Conflict })
        {
            return null;
        }
    }

    /// <summary>Whether a create failed only because its image is not on the engine (404): building it and trying again is the fix.</summary>
    public static bool IsMissingImage(DockerEngineException e) => e.InnerException is DockerApiException { StatusCode: HttpStatusCode.NotFound };
}
