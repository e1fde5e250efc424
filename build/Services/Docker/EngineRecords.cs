using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Docker;

/// <summary>
/// A record kept on the Docker engine itself, where every checkout and the listener using that engine see it: a
/// container that is created and never started, its name the key, its labels the value. Creating a name is atomic.
/// </summary>
public sealed class EngineRecords(DockerConnector docker, ICakeLog log)
{
    /// <summary>Built FROM scratch on the engine: needs no registry, holds no file, and a record never runs it.</summary>
    public const string Image = LocalBaseImages.LocalRepositoryPrefix + "record:1";

    public Task<ContainerInfo?> ReadAsync(string name) => docker.Engine.InspectContainerAsync(name);

    /// <summary>Creates the record and returns its id; null when one of that name exists already.</summary>
    public async Task<string?> TryCreateAsync(string name, IReadOnlyDictionary<string, string> labels)
    {
        var engine = docker.Engine;
        var spec = new ContainerSpec(name, Image, new Dictionary<string, string>(), [], [], null, [], labels, AppContainers.OutOfServicePolicy, ["record"]);
        try
        {
            // The image is made once per engine: asked for first, it cost every lock a round trip to the engine (issue 18).
            return await engine.TryCreateContainerAsync(spec);
        }
        catch (DockerEngineException e) when (DockerEngine.IsMissingImage(e))
        {
            // A LABEL gives the build a step: FROM scratch alone makes no image.
            await engine.BuildImageFromFilesAsync([], "FROM scratch\n", [Image],
                new Dictionary<string, string> { [ReleaseNames.RoleLabel] = "record" }, line => log.Verbose(line), CancellationToken.None);
            return await engine.TryCreateContainerAsync(spec);
        }
    }

    /// <summary>Removes that very record, by its id: one made since under the same name by someone else stays.</summary>
    public Task RemoveAsync(string id) => docker.Engine.RemoveContainerAsync(id);
}
