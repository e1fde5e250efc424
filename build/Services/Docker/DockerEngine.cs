using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace KahaDeploy.Services.Docker;

/// <summary>
/// A thin typed wrapper over the Docker Engine API (Docker.DotNet.Enhanced). Every failure the engine
/// reports comes out as a <see cref="DockerEngineException"/> whose message says in one line what failed
/// and why, e.g. <c>Docker could not start container 'kaha_dev': No such container: kaha_dev</c>.
/// </summary>
/// <remarks>
/// No API version is pinned: the client then sends unversioned paths (<c>/containers/json</c>), which an
/// engine serves at its own newest API version (1.41 for Debian's docker.io 20.10). Pinning <c>1.41</c>
/// works here as well, but would break against newer engines that raised their minimum (Docker 29 requires 1.44).
/// </remarks>
public sealed partial class DockerEngine : IDisposable
{
    /// <summary>The engine socket used when <c>DOCKER_HOST</c> is not set.</summary>
    public const string DefaultEndpoint = "unix:///var/run/docker.sock";

    private const int DefaultTcpPort = 2375;

    /// <summary>The name the Dockerfile the engine reads travels under in a build context (see <see cref="BuildImageAsync"/>).</summary>
    private const string LabelledDockerfileName = ".dockerfile.kaha-deploy";

    /// <summary>
    /// A Dockerfile's RUN steps get a quarter of the engine's default CPU weight, as a release out of rotation does: the
    /// host builds on the cores that serve the live release, and a busy build must wait for its traffic, not the other way round.
    /// </summary>
    private const int BuildStepCpuShares = 256;

    /// <summary>Upper bound for one ordinary request (streams such as builds, pulls and stops have none).</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(5);

    private readonly DockerClient _client;

    public DockerEngine(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Endpoint = endpoint;
        _client = new DockerClientBuilder(new DockerConfig(new FixedDockerCliSettings(endpoint.ToString())))
            .WithEndpoint(endpoint)
            .WithTimeout(RequestTimeout)
            .Build();
    }

    /// <summary>The engine this instance talks to.</summary>
    public Uri Endpoint { get; }

    /// <summary>The engine endpoint from <c>DOCKER_HOST</c> (<c>unix://</c> or <c>tcp://</c>), else <see cref="DefaultEndpoint"/>.</summary>
    public static Uri ResolveEndpoint() => ResolveEndpoint(Environment.GetEnvironmentVariable("DOCKER_HOST"));

    /// <summary>The engine endpoint for a <c>DOCKER_HOST</c> value (null or empty: <see cref="DefaultEndpoint"/>).</summary>
    public static Uri ResolveEndpoint(string? dockerHost)
    {
        var value = dockerHost?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            return new Uri(DefaultEndpoint);
        }

        if (value.StartsWith("unix://", StringComparison.OrdinalIgnoreCase))
        {
            var path = value["unix://".Length..];
            if (!path.StartsWith('/'))
            {
                throw new DockerEngineException($"DOCKER_HOST '{value}' is not usable: a unix socket needs an absolute path, as in unix:///var/run/docker.sock");
            }

            return new Uri("unix://" + path);
        }

        if (value.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate("tcp://" + value["tcp://".Length..], UriKind.Absolute, out var tcp) || tcp.Host.Length == 0)
            {
                throw new DockerEngineException($"DOCKER_HOST '{value}' is not usable: expected tcp://host:port");
            }

            var port = tcp.IsDefaultPort || tcp.Port <= 0 ? DefaultTcpPort : tcp.Port;
            return new UriBuilder("tcp", tcp.Host, port).Uri;
        }

        throw new DockerEngineException($"DOCKER_HOST '{value}' is not supported: use unix:///path/to/docker.sock or tcp://host:port");
    }

    /// <summary>The engine's version (e.g. <c>20.10.24+dfsg1</c>), or null when nothing answers within <paramref name="timeout"/>.</summary>
    public async Task<string?> TryGetServerVersionAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            var version = await _client.System.GetVersionAsync(cts.Token).ConfigureAwait(false);
            return string.IsNullOrEmpty(version.Version) ? null : version.Version;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }

    // ---------------------------------------------------------------- images

    public async Task<bool> ImageExistsAsync(string reference) => await GetImageIdAsync(reference).ConfigureAwait(false) is not null;

    /// <summary>The <c>sha256:</c> id of the image, or null when there is no such image.</summary>
    public Task<string?> GetImageIdAsync(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        return CallAsync($"inspect image '{reference}'", async () =>
        {
            try
            {
                var image = await _client.Images.InspectImageAsync(reference).ConfigureAwait(false);
                return (string?)image.ID;
            }
            catch (DockerImageNotFoundException)
            {
                return null;
            }
        });
    }

    /// <summary>The labels of the image (empty when it has none), or null when there is no such image.</summary>
    /// <summary>When the image was built (its config's created time), or null when there is no such image.</summary>
    public Task<DateTimeOffset?> GetImageCreatedAsync(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        return CallAsync($"inspect image '{reference}'", async () =>
        {
            try
            {
                var image = await _client.Images.InspectImageAsync(reference).ConfigureAwait(false);
                return image.Created is { } created ? UtcTime(created) : (DateTimeOffset?)null;
            }
            catch (DockerImageNotFoundException)
            {
                return null;
            }
        });
    }

    public Task<IReadOnlyDictionary<string, string>?> GetImageLabelsAsync(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        return CallAsync($"inspect image '{reference}'", async () =>
        {
            try
            {
                var image = await _client.Images.InspectImageAsync(reference).ConfigureAwait(false);
                return (IReadOnlyDictionary<string, string>?)new Dictionary<string, string>(image.Config?.Labels ?? new Dictionary<string, string>());
            }
            catch (DockerImageNotFoundException)
            {
                return null;
            }
        });
    }

    /// <summary>Gives the image <paramref name="source"/> the name <c>repository:tag</c> (moving the tag if another image had it).</summary>
    public Task TagImageAsync(string source, string repository, string tag)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(repository);
        ArgumentException.ThrowIfNullOrWhiteSpace(tag);
        return CallAsync($"tag image '{source}' as '{repository}:{tag}'", () =>
            _client.Images.TagImageAsync(source, new ImageTagParameters { RepositoryName = repository, Tag = tag }));
    }

    /// <summary>
    /// Removes the image name (and the image once no name is left). No error when there is no such image;
    /// an error when a container still uses the image through this name.
    /// </summary>
    public Task RemoveImageAsync(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        return CallAsync($"remove image '{reference}'", async () =>
        {
            try
            {
                await _client.Images.DeleteImageAsync(reference, new ImageDeleteParameters()).ConfigureAwait(false);
            }
            catch (DockerImageNotFoundException)
            {
            }
        });
    }

    /// <summary>The images (not intermediate layers), optionally only those with a label such as <c>org.kaha.app=kaha</c> (or just a label key).</summary>
    public Task<IReadOnlyList<ImageSummaryInfo>> ListImagesAsync(string? labelFilter)
    {
        var parameters = new ImagesListParameters();
        if (!string.IsNullOrWhiteSpace(labelFilter))
        {
            parameters.Filters = Filter(("label", labelFilter));
        }

        return CallAsync<IReadOnlyList<ImageSummaryInfo>>("list images", async () =>
        {
            var images = await _client.Images.ListImagesAsync(parameters).ConfigureAwait(false);
            return images.Select(ToSummary).ToList();
        });
    }

    /// <summary>
    /// Removes the untagged images carrying the label; images a container (even a stopped one) still uses are kept.
    /// Returns how many were removed.
    /// </summary>
    public Task<int> RemoveDanglingImagesAsync(string labelFilter) => RemoveUnusedImagesAsync(labelFilter, danglingOnly: true, keepId: null);

    /// <summary>
    /// Removes the images carrying the label but <paramref name="keepId"/>; images a container (even a stopped one)
    /// still uses, or that more than one tag names, are kept. Returns how many were removed.
    /// </summary>
    public Task<int> RemoveUnusedImagesAsync(string labelFilter, bool danglingOnly, string? keepId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(labelFilter);
        return CallAsync(danglingOnly ? "remove dangling images" : "remove unused images", async () =>
        {
            var images = await _client.Images.ListImagesAsync(new ImagesListParameters
            {
                Filters = danglingOnly ? Filter(("dangling", "true"), ("label", labelFilter)) : Filter(("label", labelFilter)),
            }).ConfigureAwait(false);

            var removed = 0;
            foreach (var image in images.Where(i => i.ID != keepId))
            {
                try
                {
                    await _client.Images.DeleteImageAsync(image.ID, new ImageDeleteParameters()).ConfigureAwait(false);
                    removed++;
                }
                catch (DockerApiException e) when (e.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
                {
                    // In use by a container (a backup kept for rollback, another environment's proxy), or already gone.
                }
            }

            return removed;
        });
    }

    /// <summary>
    /// Pulls the image (tag <c>latest</c> when the reference names none). False, with the reason written to
    /// <paramref name="output"/>, when the registry cannot be reached or does not know the image.
    /// </summary>
    public async Task<bool> TryPullImageAsync(string reference, Action<string> output, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        ArgumentNullException.ThrowIfNull(output);
        var (repository, tag) = SplitReference(reference);
        var progress = new JsonMessageProgress(output);
        try
        {
            await _client.Images.CreateImageAsync(
                new ImagesCreateParameters { FromImage = repository, Tag = tag },
                null,
                progress,
                ct).ConfigureAwait(false);
        }
        catch (DockerApiException e)
        {
            output($"Could not pull {reference}: {EngineMessage(e)}");
            return false;
        }
        catch (Exception e) when (!ct.IsCancellationRequested && IsTransportFailure(e))
        {
            throw new DockerEngineException($"Docker could not pull image '{reference}': {TransportMessage(e)}", e);
        }

        progress.Flush();
        if (progress.Error is not null)
        {
            output($"Could not pull {reference}: {progress.Error}");
            return false;
        }

        return true;
    }

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
            dockerfileText = DockerfileLabels.Append(await File.ReadAllTextAsync(dockerfile, ct).ConfigureAwait(false), request.Labels);
        }
        catch (ArgumentException e)
        {
            throw new DockerBuildException($"Docker could not build {description}: {e.Message}", e);
        }

        var replaced = new List<string> { ".dockerignore", LabelledDockerfileName };
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

        return await RunBuildAsync(tar, LabelledDockerfileName, request.Tags, request.BuildArgs, description, output, ct).ConfigureAwait(false);
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
        return await RunBuildAsync(tar, dockerfileName, tags, new Dictionary<string, string>(), description, output, ct).ConfigureAwait(false);
    }

    private async Task<string> RunBuildAsync(
        Stream tar,
        string dockerfile,
        IReadOnlyList<string> tags,
        IReadOnlyDictionary<string, string> buildArgs,
        string description,
        Action<string> output,
        CancellationToken ct)
    {
        var parameters = new ImageBuildParameters
        {
            Dockerfile = dockerfile,
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

    // ---------------------------------------------------------------- containers

    /// <summary>The container with that name (or id), or null when there is none.</summary>
    public Task<ContainerInfo?> InspectContainerAsync(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return CallAsync($"inspect container '{name}'", () => InspectOrNullAsync(name));
    }

    /// <summary>The containers, in every state, that carry the label (<c>key=value</c> or just <c>key</c>), by name.</summary>
    public Task<IReadOnlyList<ContainerInfo>> ListContainersAsync(string labelFilter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(labelFilter);
        return CallAsync<IReadOnlyList<ContainerInfo>>("list containers", async () =>
        {
            var listed = await _client.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = Filter(("label", labelFilter)),
            }).ConfigureAwait(false);

            var result = new List<ContainerInfo>();
            foreach (var container in listed)
            {
                // Inspect for the details the list leaves out (start time, networks, configured ports);
                // a container removed in between is simply not listed.
                if (await InspectOrNullAsync(container.ID).ConfigureAwait(false) is { } info)
                {
                    result.Add(info);
                }
            }

            return result.OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        });
    }

    public Task RenameContainerAsync(string name, string newName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(newName);
        return CallAsync($"rename container '{name}' to '{newName}'", () =>
            _client.Containers.RenameContainerAsync(name, new ContainerRenameParameters { NewName = newName }));
    }

    /// <summary>Sets the container's CPU weight against the other containers (the engine's default is 1024); it takes effect at once.</summary>
    public Task SetCpuSharesAsync(string name, int shares)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(shares, 2);
        return CallAsync($"set the CPU weight of container '{name}'", () =>
            _client.Containers.UpdateContainerAsync(name, new ContainerUpdateParameters { CPUShares = shares }));
    }

    /// <summary>
    /// Sets what the engine does with the container when it exits or the engine starts (<paramref name="policy"/> as in
    /// <see cref="ContainerSpec.RestartPolicy"/>); works on a stopped container too.
    /// </summary>
    public Task SetRestartPolicyAsync(string name, string policy)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var restart = ParseRestartPolicy(policy);
        return CallAsync($"set the restart policy of container '{name}'", () =>
            _client.Containers.UpdateContainerAsync(name, new ContainerUpdateParameters { RestartPolicy = restart }));
    }

    /// <summary>Starts the container; nothing happens when it is already running.</summary>
    public Task StartContainerAsync(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return CallAsync($"start container '{name}'", () =>
            _client.Containers.StartContainerAsync(name, new ContainerStartParameters()));
    }

    /// <summary>Stops the container (SIGTERM, then SIGKILL after <paramref name="grace"/>); nothing happens when it is already stopped.</summary>
    public Task StopContainerAsync(string name, TimeSpan grace)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var seconds = (uint)Math.Clamp(Math.Ceiling(grace.TotalSeconds), 0, int.MaxValue);
        return CallAsync($"stop container '{name}'", () =>
            _client.Containers.StopContainerAsync(name, new ContainerStopParameters { WaitBeforeKillSeconds = seconds }));
    }

    /// <summary>Removes the container, running or not; its volumes are kept. No error when it does not exist.</summary>
    public Task RemoveContainerAsync(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return CallAsync($"remove container '{name}'", async () =>
        {
            try
            {
                await _client.Containers.RemoveContainerAsync(name, new ContainerRemoveParameters { Force = true, RemoveVolumes = false }).ConfigureAwait(false);
            }
            catch (DockerContainerNotFoundException)
            {
            }
        });
    }

    /// <summary>
    /// Creates the container and starts it; returns its id. When it cannot start (a port already taken, ...)
    /// the half-made container is removed again so that the name stays free.
    /// </summary>
    public async Task<string> CreateAndStartContainerAsync(ContainerSpec spec)
    {
        var id = await CreateContainerAsync(spec).ConfigureAwait(false);
        try
        {
            await _client.Containers.StartContainerAsync(id, new ContainerStartParameters()).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DockerApiException || IsTransportFailure(e))
        {
            try
            {
                await _client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }).ConfigureAwait(false);
            }
            catch (Exception cleanup) when (cleanup is DockerApiException || IsTransportFailure(cleanup))
            {
                // The start error is the one worth reporting.
            }

            var reason = e is DockerApiException api ? EngineMessage(api) : TransportMessage(e);
            throw new DockerEngineException($"Docker could not start container '{spec.Name}': {reason}", e);
        }

        return id;
    }

    /// <summary>
    /// Replaces the stopped container <paramref name="name"/> by one made from the same configuration (image, command,
    /// environment, labels, mounts, restart policy, network and aliases) but publishing <paramref name="ports"/>: the
    /// engine cannot change a container's published ports. The new one is created, not started.
    /// </summary>
    public Task RepublishContainerAsync(string name, IReadOnlyList<PublishedPort> ports)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return CallAsync($"republish container '{name}'", async () =>
        {
            var old = await _client.Containers.InspectContainerAsync(name).ConfigureAwait(false);
            var published = ToCreateParameters(new ContainerSpec(name, old.Config.Image, new Dictionary<string, string>(), ports, [], null, [], new Dictionary<string, string>(), "no", null));
            var parameters = new CreateContainerParameters(old.Config)
            {
                Name = name,
                Hostname = "", // the old one's was its own id
                ExposedPorts = published.ExposedPorts,
                HostConfig = old.HostConfig,
            };
            parameters.HostConfig.PortBindings = published.HostConfig.PortBindings;
            if (old.NetworkSettings?.Networks is { Count: > 0 } networks && networks.ContainsKey(old.HostConfig.NetworkMode))
            {
                var endpoint = networks[old.HostConfig.NetworkMode];
                parameters.NetworkingConfig = new NetworkingConfig
                {
                    EndpointsConfig = new Dictionary<string, EndpointSettings>
                    {
                        [old.HostConfig.NetworkMode] = new() { Aliases = (endpoint.Aliases ?? []).Where(a => !old.ID.StartsWith(a, StringComparison.Ordinal)).ToList() },
                    },
                };
            }

            var parked = name + "_republishing";
            await _client.Containers.RenameContainerAsync(old.ID, new ContainerRenameParameters { NewName = parked }).ConfigureAwait(false);
            try
            {
                await _client.Containers.CreateContainerAsync(parameters).ConfigureAwait(false);
            }
            catch
            {
                await _client.Containers.RenameContainerAsync(old.ID, new ContainerRenameParameters { NewName = name }).ConfigureAwait(false);
                throw;
            }

            await _client.Containers.RemoveContainerAsync(old.ID, new ContainerRemoveParameters { Force = true }).ConfigureAwait(false);
        });
    }

    /// <summary>
    /// Creates the container without starting it (its ports are not bound yet), so that it can be started the moment
    /// another one frees them; returns its id.
    /// </summary>
    public async Task<string> CreateContainerAsync(ContainerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrWhiteSpace(spec.Name);
        ArgumentException.ThrowIfNullOrWhiteSpace(spec.Image);
        var parameters = ToCreateParameters(spec);

        var created = await CallAsync($"create container '{spec.Name}'", async () =>
        {
            try
            {
                return await _client.Containers.CreateContainerAsync(parameters).ConfigureAwait(false);
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
            {
                throw new DockerEngineException(
                    $"Docker could not create container '{spec.Name}': a container named '{spec.Name}' already exists (remove or rename it first)", e);
            }
        }).ConfigureAwait(false);
        return created.ID;
    }

    /// <summary>The last <paramref name="tail"/> lines of the container's output, stdout and stderr interleaved as written (a negative <paramref name="tail"/>: all of it).</summary>
    public async Task<string> GetContainerLogsAsync(string name, int tail)
    {
        var lines = new List<string>();
        await StreamContainerLogsAsync(name, new LogQuery(tail, Since: null, Follow: false), line => lines.Add(line.Text)).ConfigureAwait(false);
        return string.Join('\n', lines);
    }

    /// <summary>
    /// Hands the container's output to <paramref name="output"/> line by line, stdout and stderr as written: the last
    /// <see cref="LogQuery.Tail"/> lines (or all), only those since <see cref="LogQuery.Since"/>, and with
    /// <see cref="LogQuery.Follow"/> every new line until the container stops.
    /// </summary>
    public Task StreamContainerLogsAsync(string name, LogQuery query, Action<ContainerLogLine> output)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(output);
        return CallAsync($"read the logs of container '{name}'", async () =>
        {
            using var stream = await _client.Containers.GetContainerLogsAsync(name, new ContainerLogsParameters
            {
                ShowStdout = true,
                ShowStderr = true,
                Follow = query.Follow,
                Timestamps = true,
                Since = query.Since is { } since ? (since.ToUnixTimeMilliseconds() / 1000m).ToString("0.000", CultureInfo.InvariantCulture) : null,
                Tail = query.Tail < 0 ? "all" : query.Tail.ToString(CultureInfo.InvariantCulture),
            }).ConfigureAwait(false);

            // Each stream is cut into lines on its own: a frame may end in the middle of a line, or of a character.
            var pending = new Dictionary<MultiplexedStream.TargetStream, (System.Text.Decoder Decoder, System.Text.StringBuilder Text)>();
            var buffer = new byte[16 * 1024];
            var chars = new char[System.Text.Encoding.UTF8.GetMaxCharCount(buffer.Length)];
            while (true)
            {
                var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, CancellationToken.None).ConfigureAwait(false);
                if (read.EOF || read.Count == 0)
                {
                    break;
                }

                if (!pending.TryGetValue(read.Target, out var part))
                {
                    pending[read.Target] = part = (System.Text.Encoding.UTF8.GetDecoder(), new System.Text.StringBuilder());
                }

                part.Text.Append(chars, 0, part.Decoder.GetChars(buffer, 0, read.Count, chars, 0));
                EmitLines(part.Text, read.Target, output, complete: false);
            }

            foreach (var (target, part) in pending)
            {
                EmitLines(part.Text, target, output, complete: true);
            }
        });
    }

    /// <summary>Hands on the whole lines in <paramref name="text"/> (with <paramref name="complete"/>, the rest too) and keeps what is left.</summary>
    private static void EmitLines(System.Text.StringBuilder text, MultiplexedStream.TargetStream target, Action<ContainerLogLine> output, bool complete)
    {
        var lines = text.ToString().Split('\n');
        var whole = complete && lines[^1].Length > 0 ? lines : lines[..^1];
        foreach (var line in whole)
        {
            // With timestamps the engine starts each line with its RFC 3339 time and a space.
            var space = line.IndexOf(' ');
            var time = space > 0 ? ParseEngineTime(line[..space]) : null;
            output(new ContainerLogLine(time, target == MultiplexedStream.TargetStream.StandardError, (time is null ? line : line[(space + 1)..]).TrimEnd('\r')));
        }

        text.Clear();
        if (!complete)
        {
            text.Append(lines[^1]);
        }
    }

    // ---------------------------------------------------------------- networks

    /// <summary>Creates a bridge network with that name unless one exists.</summary>
    /// <remarks>
    /// Engine 20.10 only refuses a second network of the same name when asked to (<c>CheckDuplicate</c>),
    /// which this client library cannot send. So after creating, if a concurrent caller created one too,
    /// every caller keeps the oldest and the newer ones are removed again.
    /// </remarks>
    public Task EnsureNetworkAsync(string name, IReadOnlyDictionary<string, string> labels)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(labels);
        return CallAsync($"create network '{name}'", async () =>
        {
            if ((await FindNetworksAsync(name).ConfigureAwait(false)).Count > 0)
            {
                return;
            }

            var created = await _client.Networks.CreateNetworkAsync(new NetworksCreateParameters
            {
                Name = name,
                Driver = "bridge",
                Labels = new Dictionary<string, string>(labels),
            }).ConfigureAwait(false);

            var same = await FindNetworksAsync(name).ConfigureAwait(false);
            if (same.Count > 1 && same[0].ID != created.ID)
            {
                try
                {
                    await _client.Networks.DeleteNetworkAsync(created.ID).ConfigureAwait(false);
                }
                catch (DockerNetworkNotFoundException)
                {
                }
            }
        });
    }

    /// <summary>Removes the network (every network of that name); no error when there is none, an error while containers are attached.</summary>
    public Task RemoveNetworkAsync(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return CallAsync($"remove network '{name}'", async () =>
        {
            foreach (var network in await FindNetworksAsync(name).ConfigureAwait(false))
            {
                try
                {
                    await _client.Networks.DeleteNetworkAsync(network.ID).ConfigureAwait(false);
                }
                catch (DockerNetworkNotFoundException)
                {
                }
            }
        });
    }

    public void Dispose() => _client.Dispose();

    // ---------------------------------------------------------------- helpers

    private async Task<ContainerInfo?> InspectOrNullAsync(string nameOrId)
    {
        try
        {
            var response = await _client.Containers.InspectContainerAsync(nameOrId).ConfigureAwait(false);
            return ToInfo(response);
        }
        catch (DockerContainerNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The networks named exactly <paramref name="name"/>, oldest first.</summary>
    private async Task<IReadOnlyList<NetworkResponse>> FindNetworksAsync(string name)
    {
        // The engine's name filter matches substrings: keep the exact name only.
        var networks = await _client.Networks.ListNetworksAsync(new NetworksListParameters
        {
            Filters = Filter(("name", name)),
        }).ConfigureAwait(false);
        return networks.Where(n => n.Name == name).OrderBy(n => n.Created).ThenBy(n => n.ID, StringComparer.Ordinal).ToList();
    }

    private static CreateContainerParameters ToCreateParameters(ContainerSpec spec)
    {
        var exposed = new Dictionary<string, EmptyStruct>();
        var bindings = new Dictionary<string, IList<PortBinding>>();
        foreach (var port in spec.Ports)
        {
            var key = port.ContainerPort.ToString(CultureInfo.InvariantCulture) + "/tcp";
            exposed[key] = default;
            if (!bindings.TryGetValue(key, out var list))
            {
                bindings[key] = list = new List<PortBinding>();
            }

            list.Add(new PortBinding
            {
                HostIP = port.HostIp,
                HostPort = port.HostPort == 0 ? "" : port.HostPort.ToString(CultureInfo.InvariantCulture),
            });
        }

        if (spec.Network is null && spec.NetworkAliases.Count > 0)
        {
            throw new ArgumentException($"Container '{spec.Name}' has network aliases but no network: aliases need a user-defined network.", nameof(spec));
        }

        return new CreateContainerParameters
        {
            Name = spec.Name,
            Image = spec.Image,
            Env = spec.Environment.Select(kv => $"{kv.Key}={kv.Value}").ToList(),
            Labels = new Dictionary<string, string>(spec.Labels),
            ExposedPorts = exposed,
            Cmd = spec.Command?.ToList()!, // null: keep the image's CMD
            HostConfig = new HostConfig
            {
                Binds = spec.Binds.ToList(),
                PortBindings = bindings,
                RestartPolicy = ParseRestartPolicy(spec.RestartPolicy),
                NetworkMode = spec.Network!, // null: the default bridge
                CPUShares = spec.CpuShares,
            },
            NetworkingConfig = spec.Network is null
                ? null
                : new NetworkingConfig
                {
                    EndpointsConfig = new Dictionary<string, EndpointSettings>
                    {
                        [spec.Network] = new() { Aliases = spec.NetworkAliases.ToList() },
                    },
                },
        };
    }

    private static RestartPolicy ParseRestartPolicy(string policy)
    {
        var text = policy.Trim();
        var retries = 0L;
        var colon = text.IndexOf(':');
        if (colon >= 0)
        {
            if (!long.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out retries))
            {
                throw new ArgumentException($"Restart policy '{policy}' is not valid: the retry count after ':' must be a number.", nameof(policy));
            }

            text = text[..colon];
        }

        var kind = text switch
        {
            "" or "no" => RestartPolicyKind.No,
            "always" => RestartPolicyKind.Always,
            "unless-stopped" => RestartPolicyKind.UnlessStopped,
            "on-failure" => RestartPolicyKind.OnFailure,
            _ => throw new ArgumentException($"Restart policy '{policy}' is not one of no, always, unless-stopped, on-failure.", nameof(policy)),
        };

        if (colon >= 0 && kind != RestartPolicyKind.OnFailure)
        {
            throw new ArgumentException($"Restart policy '{policy}' is not valid: only on-failure takes a retry count.", nameof(policy));
        }

        return new RestartPolicy { Name = kind, MaximumRetryCount = retries };
    }

    private static ContainerInfo ToInfo(ContainerInspectResponse response)
    {
        var ports = new List<PublishedPort>();
        if (response.HostConfig?.PortBindings is { } bindings)
        {
            foreach (var (key, list) in bindings)
            {
                var slash = key.IndexOf('/');
                var protocol = slash < 0 ? "tcp" : key[(slash + 1)..];
                if (protocol != "tcp" || !int.TryParse(slash < 0 ? key : key[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out var containerPort))
                {
                    continue;
                }

                foreach (var binding in list ?? [])
                {
                    int.TryParse(binding.HostPort, NumberStyles.None, CultureInfo.InvariantCulture, out var hostPort);
                    ports.Add(new PublishedPort(binding.HostIP ?? "", hostPort, containerPort));
                }
            }
        }

        return new ContainerInfo(
            Id: response.ID,
            Name: (response.Name ?? "").TrimStart('/'),
            ImageId: response.Image ?? "",
            ImageReference: response.Config?.Image ?? "",
            State: response.State?.Status ?? "",
            Running: response.State?.Running ?? false,
            StartedAt: ParseEngineTime(response.State?.StartedAt),
            Labels: new Dictionary<string, string>(response.Config?.Labels ?? new Dictionary<string, string>()),
            Networks: (response.NetworkSettings?.Networks?.Keys ?? []).OrderBy(n => n, StringComparer.Ordinal).ToList(),
            Ports: ports.OrderBy(p => p.ContainerPort).ThenBy(p => p.HostPort).ToList(),
            Mounts: (response.Mounts ?? []).Where(m => m.Destination is not null).ToDictionary(m => m.Destination, m => m.Source ?? "", StringComparer.Ordinal));
    }

    /// <summary>The engine's times are UTC; the client may hand them over without saying so.</summary>
    private static DateTimeOffset UtcTime(DateTime time) =>
        time.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)) : new DateTimeOffset(time.ToUniversalTime());

    private static ImageSummaryInfo ToSummary(ImagesListResponse image)
    {
        var tags = (image.RepoTags ?? []).Where(t => t != "<none>:<none>").ToList();
        return new ImageSummaryInfo(image.ID, tags, UtcTime(image.Created), image.Size, new Dictionary<string, string>(image.Labels ?? new Dictionary<string, string>()));
    }

    /// <summary>Engine times are RFC 3339 with nanoseconds; the zero time means "never".</summary>
    internal static DateTimeOffset? ParseEngineTime(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.StartsWith("0001-01-01", StringComparison.Ordinal))
        {
            return null;
        }

        // .NET parses at most 7 fractional digits; the engine writes up to 9.
        var dot = text.IndexOf('.');
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            if (end - dot - 1 > 7)
            {
                text = text[..(dot + 8)] + text[end..];
            }
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : null;
    }

    private static IDictionary<string, IDictionary<string, bool>> Filter(params (string Key, string Value)[] filters)
    {
        var result = new Dictionary<string, IDictionary<string, bool>>();
        foreach (var (key, value) in filters)
        {
            if (!result.TryGetValue(key, out var values))
            {
                result[key] = values = new Dictionary<string, bool>();
            }

            values[value] = true;
        }

        return result;
    }

    /// <summary>Splits a reference into what <c>POST /images/create</c> wants: <c>fromImage</c> and <c>tag</c> (a tag or a digest).</summary>
    internal static (string Repository, string Tag) SplitReference(string reference)
    {
        var at = reference.IndexOf('@');
        if (at >= 0)
        {
            return (reference[..at], reference[(at + 1)..]);
        }

        var colon = reference.LastIndexOf(':');
        var slash = reference.LastIndexOf('/');
        return colon > slash ? (reference[..colon], reference[(colon + 1)..]) : (reference, "latest");
    }

    private async Task CallAsync(string what, Func<Task> action)
    {
        await CallAsync<bool>(what, async () =>
        {
            await action().ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
    }

    private async Task<T> CallAsync<T>(string what, Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (DockerEngineException)
        {
            throw;
        }
        catch (DockerApiException e)
        {
            throw new DockerEngineException($"Docker could not {what}: {EngineMessage(e)}", e);
        }
        catch (Exception e) when (IsTransportFailure(e))
        {
            throw new DockerEngineException($"Docker could not {what}: {TransportMessage(e)}", e);
        }
    }

    private const string FreeSpace =
        "free space with 'docker system prune' (stopped containers, unused networks, dangling images) or a larger disk for the engine's data root, then retry";

    /// <summary>A build the engine refused, in its own words; a full disk on the Docker host (ENOSPC) also says how to free space.</summary>
    private static string BuildFailure(string description, string engineWords) => IsDiskFull(engineWords)
        ? $"Docker could not build {description}: no space left on device on the Docker host ({engineWords}); {FreeSpace}."
        : $"Docker could not build {description}: {engineWords}";

    private static bool IsDiskFull(string engineWords) => engineWords.Contains("no space left on device", StringComparison.OrdinalIgnoreCase);

    private static bool IsTransportFailure(Exception e) =>
        e is HttpRequestException or SocketException or IOException or TimeoutException or OperationCanceledException;

    private string TransportMessage(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                // A missing unix socket surfaces as "Cannot assign requested address": say what it means.
                var reason = Endpoint.Scheme == "unix" && !File.Exists(Endpoint.LocalPath)
                    ? "the socket does not exist; is dockerd running?"
                    : socket.Message;
                return $"cannot reach the Docker engine at {Endpoint} ({reason})";
            }
        }

        return e is TimeoutException or OperationCanceledException
            ? $"the Docker engine at {Endpoint} did not answer in time"
            : $"lost the connection to the Docker engine at {Endpoint} ({OneLine(e.Message)})";
    }

    /// <summary>The engine's own words from an error response (<c>{"message": "..."}</c>), on one line.</summary>
    private static string EngineMessage(DockerApiException e)
    {
        var body = e.ResponseBody?.Trim();
        if (!string.IsNullOrEmpty(body))
        {
            try
            {
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.ValueKind == JsonValueKind.Object
                    && json.RootElement.TryGetProperty("message", out var message)
                    && message.ValueKind == JsonValueKind.String
                    && !string.IsNullOrWhiteSpace(message.GetString()))
                {
                    return OneLine(message.GetString()!);
                }
            }
            catch (JsonException)
            {
                return OneLine(body);
            }
        }

        return $"the engine answered {(int)e.StatusCode} without a reason";
    }

    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

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
