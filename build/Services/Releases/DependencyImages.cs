using System.Security.Cryptography;
using System.Text;
using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Releases;

/// <summary>
/// The app's dependencies as an image of their own, for apps that name their Dockerfile's dependencies stage
/// (<c>app.dependenciesStage</c>). The classic builder unpacks and hashes every file of the context a COPY reads, on each
/// build, even when the layer is cached: with <c>node_modules</c> in the context that was most of a deploy's CPU on the
/// server serving the live release. The stage is built once per set of inputs (tagged by their hash), and each deploy
/// builds FROM that image and leaves <c>node_modules</c> out of its context.
/// </summary>
public sealed class DependencyImages(DockerConnector docker, ICakeLog log)
{
    /// <summary>What the dependencies stage copies and the per-deploy context leaves out.</summary>
    public const string PackagesFolder = "node_modules";

    /// <summary>
    /// The files whose change changes the installed packages: the package files, npm's record of the tree it installed and
    /// the tool's stamp of the npm ci that installed it (which names node's version, for native modules).
    /// </summary>
    private static readonly string[] KeyFiles =
    [
        "package.json", "package-lock.json", $"{PackagesFolder}/.package-lock.json", $"{PackagesFolder}/{InstalledPackages.StampName}",
    ];

    /// <summary>
    /// <paramref name="app"/> built on the dependency image, which is built first when its inputs changed: the dependencies
    /// stage replaced by that image, and <c>node_modules</c> left out of the context.
    /// </summary>
    public async Task<ImageBuildRequest> BuildOnAsync(DeploySettings settings, ImageBuildRequest app)
    {
        var stage = settings.DependenciesStage!;
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(settings.AppFolder, settings.Dockerfile));
        var stageText = DockerfileStages.Find(dockerfile, stage) ?? throw new DockerBuildException(
            $"app.dependenciesStage \"{stage}\" names no stage of {settings.Dockerfile} (no line FROM … AS {stage}); name the stage that copies "
            + $"{PackagesFolder}, or remove app.dependenciesStage.");

        var tag = $"{settings.Image}-dependencies:{await KeyAsync(settings.AppFolder, stageText, app.BuildArgs)}";
        if (await docker.Engine.ImageExistsAsync(tag))
        {
            log.Information("Dependency image {0} is current (same package files, {1}, base images and stage '{2}'): not rebuilt.", tag, PackagesFolder, stage);
        }
        else
        {
            log.Information("Building dependency image {0} from stage '{1}' ({2}, package files, base images or the stage changed).", tag, stage, PackagesFolder);
            var id = await docker.Engine.BuildImageAsync(
                new ImageBuildRequest(settings.AppFolder, settings.Dockerfile, [tag], app.BuildArgs, new Dictionary<string, string>()) { Target = stage },
                line => log.Verbose(line),
                CancellationToken.None);
            log.Information("Built {0} ({1}).", tag, id);
        }

        return app with { DockerfileText = DockerfileStages.Replace(dockerfile, stage, tag), Excluded = [PackagesFolder] };
    }

    /// <summary>12 hex digits of a hash of the stage's text, the build arguments with the images they name, and <see cref="KeyFiles"/>.</summary>
    private async Task<string> KeyAsync(string appFolder, string stageText, IReadOnlyDictionary<string, string> buildArgs)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));

        Add(stageText);
        foreach (var (argument, value) in buildArgs.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            Add($"{argument}={value} {await docker.Engine.GetImageIdAsync(value)}");
        }

        foreach (var file in KeyFiles)
        {
            var path = Path.Combine(appFolder, file);
            Add(File.Exists(path) ? $"{file} {Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)))}" : $"{file} absent");
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..12];
    }
}
