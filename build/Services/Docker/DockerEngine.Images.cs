using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace KahaDeploy.Services.Docker;

public sealed partial class DockerEngine
{
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

    /// <summary>When the image was built (its config's created time), or null when there is no such image.</summary>
    public Task<DateTimeOffset?> GetImageCreatedAsync(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        return CallAsync($"inspect image '{reference}'", async () =>
        {
            try
            {
                var image = await _client.Images.InspectImageAsync(reference).ConfigureAwait(false);
                return image.Created is { } created ? EngineMapping.UtcTime(created) : (DateTimeOffset?)null;
            }
            catch (DockerImageNotFoundException)
            {
                return null;
            }
        });
    }

    /// <summary>The labels of the image (empty when it has none), or null when there is no such image.</summary>
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
            return images.Select(EngineMapping.ToSummary).ToList();
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
        var image = ImageReference.Parse(reference);
        var progress = new JsonMessageProgress(output);
        try
        {
            await _client.Images.CreateImageAsync(
                new ImagesCreateParameters { FromImage = image.Repository, Tag = image.TagOrLatest },
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
}
