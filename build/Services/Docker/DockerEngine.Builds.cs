using Docker.DotNet;
using Docker.DotNet.Models;

namespace KahaDeploy.Services.Docker;

public sealed partial class DockerEngine
{
    /// <summary>The name the Dockerfile the engine reads travels under in a build context (see <see cref="BuildImageAsync"/>).</summary>
    private const string LabelledDockerfileName = ".dockerfile.kaha-deploy";

    /// <summary>
    /// A Dockerfile's RUN steps get a quarter of the engine's default CPU weight, as a release out of rotation does: the
    /// host builds on the cores that serve the live release, and a busy build must wait for its traffic, not the other way round.
    /// </summary>
    private const int BuildStepCpuShares = 256;

    /// <summary>
    /// Builds an image from a directory: the context is sent as a tar that honours the context's
    /// <c>.dockerignore</c> (the Dockerfile is always sent, as the Docker CLI does). <see cref="ImageBuildRequest.Labels"/>
    /// become one <c>LABEL</c> line of the Dockerfile the engine reads (see <see cref="DockerfileLabels"/>).
    /// Each build output line goes to <paramref name="output"/>. Returns the built image's <c>sha256:</c> id.
    /// </summary>
    /// <exception cref="DockerBuildException">The build failed; the message is the build's error line.</exception>
    public async Task<string> BuildImageAsync(ImageBuildRequest request, Action<string> output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(output);
        var description = Describe(request.Tags);

        var context = Path.GetFullPath(request.ContextDirectory);
        if (!Directory.Exists(context))
        {
            throw new DockerBuildException($"Docker could not build {description}: the build context '{context}' does not exist");
        }

        var dockerfile = Path.GetFullPath(Path.Combine(context, request.Dockerfile));
        if (!File.Exists(dockerfile))
        {
            throw new DockerBuildException($"Docker could not build {description}: the Dockerfile '{dockerfile}' does not exist");
        }

        DockerIgnore ignore;
        try
        {
            ignore = DockerIgnore.Load(context);
        }
        catch (FormatException e)
        {
            throw new DockerBuildException($"Docker could not build {description}: {e.Message}", e);
        }

        // The Dockerfile the engine reads (the app's, with the build labels as its last line) travels under a name of its
        // own, listed with .dockerignore itself in the .dockerignore sent, so that the engine drops both once read (as the
        // Docker CLI does with a Dockerfile from outside the context): what a COPY . . sees, and so its cache, stays the app's.
        var ignorePath = Path.Combine(context, ".dockerignore");
        var ignoreText = File.Exists(ignorePath) ? File.ReadAllText(ignorePath) : "";
        string dockerfileText;
        try
        {
            dockerfileText = DockerfileLabels.Append(request.DockerfileText ?? await File.ReadAllTextAsync(dockerfile, ct).ConfigureAwait(false), request.Labels);
        }
        catch (ArgumentException e)
        {
            throw new DockerBuildException($"Docker could not build {description}: {e.Message}", e);
        }

        var replaced = new List<string> { ".dockerignore", LabelledDockerfileName };
        replaced.AddRange(request.Excluded);
        var extraFiles = new List<(string Name, byte[] Content)>
        {
            (".dockerignore", BuildContextTar.Utf8(ignoreText.TrimEnd('\n') + $"\n.dockerignore\n{LabelledDockerfileName}\n")),
            (LabelledDockerfileName, BuildContextTar.Utf8(dockerfileText)),
        };
        ignore = ignore.Keeping(LabelledDockerfileName, ".dockerignore");

        await using var tar = CreateTempTar();
        await Task.Run(() => BuildContextTar.WriteDirectory(tar, context, ignore, replaced, extraFiles), ct).ConfigureAwait(false);
        tar.Position = 0;
        output($"Sending build context to Docker ({FormatSize(tar.Length)})");

        return await RunBuildAsync(tar, LabelledDockerfileName, request.Target, request.Tags, request.BuildArgs, description, output, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Builds an image from a context assembled out of host files (e.g. a <c>FROM scratch</c> base image made
    /// of a host binary and its libraries). The Dockerfile is sent beside the entries and removed from the
    /// context by the engine, so <c>COPY . /</c> copies only the entries. Returns the image's <c>sha256:</c> id.
    /// </summary>
    /// <exception cref="DockerBuildException">The build failed; the message is the build's error line.</exception>
    public async Task<string> BuildImageFromFilesAsync(
        IReadOnlyList<TarEntrySpec> entries,
        string dockerfileText,
        IReadOnlyList<string> tags,
        IReadOnlyDictionary<string, string> labels,
        Action<string> output,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(dockerfileText);
        ArgumentNullException.ThrowIfNull(output);
        const string dockerfileName = "Dockerfile";
        foreach (var entry in entries)
        {
            var name = BuildContextTar.NormalizeEntryName(entry.PathInContext);
            if (name is dockerfileName or ".dockerignore")
            {
                throw new ArgumentException($"The build context entry '{entry.PathInContext}' would collide with the generated {name}.", nameof(entries));
            }
        }

        var description = Describe(tags);
        var extraFiles = new List<(string Name, byte[] Content)>
        {
            (dockerfileName, BuildContextTar.Utf8(DockerfileLabels.Append(dockerfileText, labels))),
            (".dockerignore", BuildContextTar.Utf8($"{dockerfileName}\n.dockerignore\n")),
        };

        await using var tar = CreateTempTar();
        try
        {
            await Task.Run(() => BuildContextTar.WriteEntries(tar, entries, extraFiles), ct).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new DockerBuildException($"Docker could not build {description}: {e.Message}", e);
        }

        tar.Position = 0;
        output($"Sending build context to Docker ({FormatSize(tar.Length)})");
        return await RunBuildAsync(tar, dockerfileName, null, tags, new Dictionary<string, string>(), description, output, ct).ConfigureAwait(false);
    }

    private async Task<string> RunBuildAsync(
        Stream tar,
        string dockerfile,
        string? target,
        IReadOnlyList<string> tags,
        IReadOnlyDictionary<string, string> buildArgs,
        string description,
        Action<string> output,
        CancellationToken ct)
    {
        var parameters = new ImageBuildParameters
        {
            Dockerfile = dockerfile,
            Target = target,
            Tags = tags.ToList(),
            BuildArgs = new Dictionary<string, string>(buildArgs),
            Remove = true,
            ForceRemove = true,
            CPUShares = BuildStepCpuShares,
        };

        var progress = new JsonMessageProgress(output);
        try
        {
            await _client.Images.BuildImageFromDockerfileAsync(parameters, tar, null, null, progress, ct).ConfigureAwait(false);
        }
        catch (DockerApiException e)
        {
            throw new DockerBuildException(BuildFailure(description, EngineMessage(e)), e);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && IsTransportFailure(e))
        {
            // An engine that cannot store the context stops reading it and drops the connection: the client sees a broken
            // pipe, not the engine's reason. If the engine still answers, it was not unreachable: say what it most likely was.
            var dropped = await TryGetServerVersionAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false) is not null;
            throw new DockerBuildException(dropped
                ? $"Docker could not build {description}: the Docker engine at {Endpoint} stopped reading the build context ({OneLine(e.Message)}) "
                  + $"but still answers, most often because its disk is full; check with 'docker system df', {FreeSpace}."
                : $"Docker could not build {description}: {TransportMessage(e)}", e);
        }

        progress.Flush();
        if (progress.Error is not null)
        {
            throw new DockerBuildException(IsDiskFull(progress.Error) ? BuildFailure(description, progress.Error) : progress.Error);
        }

        var id = progress.ImageId;
        if (id is null && tags.Count > 0)
        {
            id = await GetImageIdAsync(tags[0]).ConfigureAwait(false);
        }

        if (id is null && progress.BuiltShortId is not null)
        {
            id = await GetImageIdAsync(progress.BuiltShortId).ConfigureAwait(false);
        }

        return id ?? throw new DockerBuildException($"Docker built {description} but did not say which image it made");
    }

    private const string FreeSpace =
        "free space with 'docker system prune' (stopped containers, unused networks, dangling images) or a larger disk for the engine's data root, then retry";

    /// <summary>A build the engine refused, in its own words; a full disk on the Docker host (ENOSPC) also says how to free space.</summary>
    private static string BuildFailure(string description, string engineWords) => IsDiskFull(engineWords)
        ? $"Docker could not build {description}: no space left on device on the Docker host ({engineWords}); {FreeSpace}."
        : $"Docker could not build {description}: {engineWords}";

    private static bool IsDiskFull(string engineWords) => engineWords.Contains("no space left on device", StringComparison.OrdinalIgnoreCase);

    private static string Describe(IReadOnlyList<string> tags) => tags.Count > 0 ? $"image '{tags[0]}'" : "the image";

    private static FileStream CreateTempTar() => new(
        Path.Combine(Path.GetTempPath(), $"kaha-build-context-{Guid.NewGuid():N}.tar"),
        FileMode.CreateNew,
        FileAccess.ReadWrite,
        FileShare.None,
        1 << 16,
        FileOptions.DeleteOnClose | FileOptions.Asynchronous);

    private static string FormatSize(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.0} kB",
        _ => $"{bytes / (1024.0 * 1024):0.0} MB",
    };
}
