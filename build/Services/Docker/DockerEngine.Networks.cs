using Docker.DotNet;
using Docker.DotNet.Models;

namespace KahaDeploy.Services.Docker;

public sealed partial class DockerEngine
{
    /// <summary>Creates a bridge network with that name unless one exists.</summary>
    /// <remarks>
    /// Engine 20.10 only refuses a second network of the same name when asked to (<c>CheckDuplicate</c>),
    /// which this client library cannot send. So after creating, if a concurrent caller created one too,
    /// every caller keeps the oldest and the newer ones are removed again.
    /// </remarks>
    public Task EnsureNetworkAsync(string name, IReadOnlyDictionary<string, string> labels) => EnsureNetworkAsync(name, labels, overlay: false);

    private Task EnsureNetworkAsync(string name, IReadOnlyDictionary<string, string> labels, bool overlay)
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
                Driver = overlay ? "overlay" : "bridge",
                // Attachable: a plain container (a bench's client, a one-off command) may join the services' network too.
                Attachable = overlay,
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
}
