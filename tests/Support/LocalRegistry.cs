using System.Collections.Concurrent;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace KahaDeploy.Tests.Support;

/// <summary>
/// A real image registry on 127.0.0.1 speaking the Docker Registry HTTP API v2 (GET /v2/, manifests and blobs), serving
/// images the test exported with docker save. The engine treats registries on 127.0.0.0/8 as insecure, so plain HTTP
/// works and no registry on the internet is needed. Records every request.
/// </summary>
public sealed partial class LocalRegistry : IDisposable
{
    private const string ManifestType = "application/vnd.docker.distribution.manifest.v2+json";

    private readonly LoopbackServer _server;
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new();
    private readonly ConcurrentDictionary<string, byte[]> _manifests = new();

    public LocalRegistry() => _server = new LoopbackServer(ServeAsync);

    /// <summary>REGISTRY as an image reference starts with it: 127.0.0.1:PORT.</summary>
    public string Host => $"127.0.0.1:{_server.Port}";

    public ConcurrentQueue<string> Requests { get; } = new();

    [GeneratedRegex("^/v2/(?<name>.+)/(?<kind>manifests|blobs)/(?<reference>[^/]+)$")]
    private static partial Regex ContentPath();

    /// <summary>Serves the local image <paramref name="image"/> as REPOSITORY:TAG, as docker push would have put it there.</summary>
    public void Add(string image, string repository, string tag)
    {
        var archive = Path.Combine(Path.GetTempPath(), $"kaha-registry-{Guid.NewGuid():N}.tar");
        try
        {
            Shell.Must("docker", "save", "-o", archive, image);
            var files = ReadTar(archive);
            var saved = JsonNode.Parse(files["manifest.json"])![0]!;
            var config = files[saved["Config"]!.GetValue<string>()];
            var layers = new JsonArray();
            foreach (var layer in saved["Layers"]!.AsArray())
            {
                var compressed = Gzip(files[layer!.GetValue<string>()]);
                layers.Add(new JsonObject
                {
                    ["mediaType"] = "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    ["size"] = compressed.Length,
                    ["digest"] = AddBlob(compressed),
                });
            }

            var manifest = Encoding.UTF8.GetBytes(new JsonObject
            {
                ["schemaVersion"] = 2,
                ["mediaType"] = ManifestType,
                ["config"] = new JsonObject { ["mediaType"] = "application/vnd.docker.container.image.v1+json", ["size"] = config.Length, ["digest"] = AddBlob(config) },
                ["layers"] = layers,
            }.ToJsonString());
            _manifests[$"{repository}:{tag}"] = manifest;
            _manifests[$"{repository}@{Digest(manifest)}"] = manifest;
        }
        finally
        {
            File.Delete(archive);
        }
    }

    private async Task ServeAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "";
        Requests.Enqueue($"{http.Request.Method} {path}");
        http.Response.Headers["Docker-Distribution-API-Version"] = "registry/2.0";
        if (path == "/v2/")
        {
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync("{}");
            return;
        }

        var match = ContentPath().Match(path);
        var name = match.Groups["name"].Value;
        var reference = match.Groups["reference"].Value;
        var content = !match.Success ? null
            : match.Groups["kind"].Value == "blobs" ? _blobs.GetValueOrDefault(reference)
            : _manifests.GetValueOrDefault(reference.StartsWith("sha256:", StringComparison.Ordinal) ? $"{name}@{reference}" : $"{name}:{reference}");
        if (content is null)
        {
            http.Response.StatusCode = 404;
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync("{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"unknown\"}]}");
            return;
        }

        http.Response.ContentType = match.Groups["kind"].Value == "blobs" ? "application/octet-stream" : ManifestType;
        http.Response.Headers["Docker-Content-Digest"] = Digest(content);
        http.Response.ContentLength = content.Length;
        if (!HttpMethods.IsHead(http.Request.Method))
        {
            await http.Response.Body.WriteAsync(content);
        }
    }

    private string AddBlob(byte[] content)
    {
        var digest = Digest(content);
        _blobs[digest] = content;
        return digest;
    }

    private static string Digest(byte[] content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));

    private static byte[] Gzip(byte[] content)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return compressed.ToArray();
    }

    /// <summary>The regular files of a docker save archive by name (a layer saved twice is a link to the first).</summary>
    private static Dictionary<string, byte[]> ReadTar(string archive)
    {
        var files = new Dictionary<string, byte[]>();
        var links = new Dictionary<string, string>();
        using var reader = new TarReader(File.OpenRead(archive));
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is TarEntryType.SymbolicLink)
            {
                links[entry.Name] = Path.GetFullPath(Path.Combine("/", Path.GetDirectoryName(entry.Name)!, entry.LinkName))[1..];
            }
            else if (entry.DataStream is { } data)
            {
                using var content = new MemoryStream();
                data.CopyTo(content);
                files[entry.Name] = content.ToArray();
            }
        }

        foreach (var (name, target) in links)
        {
            files[name] = files[target];
        }

        return files;
    }

    public void Dispose() => _server.Dispose();
}
