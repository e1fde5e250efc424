using System.Text.RegularExpressions;
using Cake.Core.Diagnostics;
using Cake.Core.IO;

namespace KahaDeploy.Services.Docker;

/// <summary>
/// Makes a base image (node, redis) available with no registry: use it when local, pull it when possible,
/// otherwise build an equivalent one FROM scratch out of the host's own runtime (the binary, the libraries
/// ldd lists and busybox), tagged kaha-local/NAME:VERSION. This is how an air-gapped server deploys.
/// </summary>
public sealed partial class LocalBaseImages(DockerConnector docker, HostPackages packages, IProcessRunner processes, ICakeLog log)
{
    public const string LocalRepositoryPrefix = "kaha-local/";

    private sealed record HostRuntime(string Name, string Package, string[] Binaries, string VersionArguments, string Dockerfile);

    private static readonly HostRuntime[] Runtimes =
    [
        new("node", "nodejs", ["node"], "--version", """
            FROM scratch
            COPY rootfs/ /
            ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
            CMD ["node"]
            """),
        new("redis", "redis-server", ["redis-server", "redis-cli"], "--version", """
            FROM scratch
            COPY rootfs/ /
            ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
            WORKDIR /data
            EXPOSE 6379
            CMD ["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no"]
            """),
    ];

    private static readonly string[] EtcFiles =
    [
        "passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
        "group", "root:x:0:\nnogroup:x:65534:\n",
        "nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n",
    ];

    [GeneratedRegex(@"(\d+\.\d+\.\d+)")]
    private static partial Regex SemanticVersion();

    /// <summary>Returns the image reference to build FROM: <paramref name="image"/> itself, or a local equivalent.</summary>
    public async Task<string> EnsureAsync(string image, string workFolder)
    {
        var engine = docker.Engine;
        if (await engine.ImageExistsAsync(image))
        {
            log.Verbose("Base image {0} is present.", image);
            return image;
        }

        if (image.StartsWith(LocalRepositoryPrefix, StringComparison.Ordinal))
        {
            throw new HostSetupException($"Base image {image} is missing; remove the kaha-local/ prefix from the config so the tool can build it.");
        }

        log.Information("Base image {0} is not on this host; trying to pull it.", image);
        if (await engine.TryPullImageAsync(image, line => log.Verbose(line), CancellationToken.None))
        {
            return image;
        }

        var runtime = RuntimeFor(image);
        var binaries = runtime.Binaries.Select(b => packages.Require(b, runtime.Package, $"build a local {runtime.Name} base image")).ToList();
        var busybox = packages.Require("busybox", "busybox-static", "give the local base image a shell");
        var version = HostVersion(binaries[0], runtime.VersionArguments);
        var local = $"{LocalRepositoryPrefix}{runtime.Name}:{version}";
        if (await engine.ImageExistsAsync(local))
        {
            log.Information("Using {0} (built earlier from this host's {1}) in place of {2}.", local, runtime.Name, image);
            return local;
        }

        log.Warning("{0} cannot be pulled (no registry reachable); building {1} from this host's {2} {3}.", image, local, runtime.Name, version);
        var files = binaries.ToDictionary(binary => binary, binary => binary);
        await BuildFromHostAsync(local, runtime.Dockerfile, files, binaries, busybox, workFolder, image);
        return local;
    }

    /// <summary>
    /// The ASP.NET Core runtime of this host (the one the tool itself runs on) as kaha-local/aspnet:VERSION,
    /// for the tool's own programs such as the proxy.
    /// </summary>
    public async Task<string> EnsureAspNetRuntimeAsync(string workFolder)
    {
        var muxer = new FileInfo(packages.Require("dotnet", "dotnet-runtime", "run the proxy")).ResolveLinkTarget(returnFinalTarget: true)?.FullName
                    ?? packages.Require("dotnet", "dotnet-runtime", "run the proxy");
        var dotnetRoot = Path.GetDirectoryName(muxer)!;
        var version = Directory.EnumerateDirectories(Path.Combine(dotnetRoot, "shared", "Microsoft.AspNetCore.App"))
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(v => Directory.Exists(Path.Combine(dotnetRoot, "shared", "Microsoft.NETCore.App", v)))
            .OrderBy(v => Version.TryParse(v.Split('-')[0], out var parsed) ? parsed : new Version())
            .LastOrDefault() ?? throw new HostSetupException($"No ASP.NET Core runtime with a matching .NET runtime under {dotnetRoot}/shared; install aspnetcore-runtime.");
        var local = $"{LocalRepositoryPrefix}aspnet:{version}";
        if (await docker.Engine.ImageExistsAsync(local))
        {
            return local;
        }

        log.Information("Building {0} from this host's .NET runtime.", local);
        var busybox = packages.Require("busybox", "busybox-static", "give the local base image a shell");
        var files = new Dictionary<string, string> { ["/usr/share/dotnet/dotnet"] = muxer };
        var trees = new[] { "host/fxr", $"shared/Microsoft.NETCore.App/{version}", $"shared/Microsoft.AspNetCore.App/{version}" };
        foreach (var tree in trees)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(dotnetRoot, tree), "*", SearchOption.AllDirectories)
                         .Where(f => !f.EndsWith("libcoreclrtraceptprovider.so", StringComparison.Ordinal)))
            {
                files["/usr/share/dotnet/" + Path.GetRelativePath(dotnetRoot, file)] = file;
            }
        }

        // .NET loads OpenSSL with dlopen (ldd cannot see it), and ASP.NET Core will not start without it.
        foreach (var openSsl in OpenSslLibraries())
        {
            files[openSsl] = openSsl;
        }

        var linked = files.Values.Where(f => f == muxer || f.Contains(".so", StringComparison.Ordinal)).ToList();
        await BuildFromHostAsync(local, AspNetDockerfile, files, linked, busybox, workFolder, "the ASP.NET Core runtime");
        return local;
    }

    private static IEnumerable<string> OpenSslLibraries()
    {
        string[] folders = ["/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"];
        var found = folders.SelectMany(folder => new[] { "libssl.so.3", "libcrypto.so.3" }.Select(name => Path.Combine(folder, name)))
            .Where(File.Exists)
            .DistinctBy(Path.GetFileName)
            .ToList();
        return found.Count == 2 ? found : throw new HostSetupException("OpenSSL 3 (libssl.so.3) is missing on this host; install libssl3 and run again.");
    }

    private const string AspNetDockerfile = """
        FROM scratch
        COPY rootfs/ /
        ENV PATH=/usr/share/dotnet:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            DOTNET_ROOT=/usr/share/dotnet DOTNET_EnableDiagnostics=0 DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
        """;

    private async Task BuildFromHostAsync(
        string tag, string dockerfile, IReadOnlyDictionary<string, string> files, IEnumerable<string> linked, string busybox, string workFolder, string replaces)
    {
        var entries = RootFilesystem(files, linked, busybox, Path.Combine(workFolder, "base-image-etc"));
        await docker.Engine.BuildImageFromFilesAsync(
            entries,
            dockerfile,
            [tag],
            new Dictionary<string, string> { [ReleaseNames.BaseImageLabel] = "true", [ReleaseNames.ReplacesLabel] = replaces },
            line => log.Verbose(line),
            CancellationToken.None);
        log.Information("Built {0}.", tag);
    }

    private static HostRuntime RuntimeFor(string image)
    {
        var repository = ImageReference.Parse(image).Repository;
        var name = repository[(repository.LastIndexOf('/') + 1)..];
        return Runtimes.FirstOrDefault(r => r.Name == name)
               ?? throw new HostSetupException(
                   $"Base image {image} is neither on this host nor pullable, and this tool can only build node and redis from the host; load it with 'docker load' and run again.");
    }

    private string HostVersion(string binary, string arguments)
    {
        var result = processes.Capture(binary, arguments);
        var match = SemanticVersion().Match(result.Output);
        return match.Success ? match.Groups[1].Value : throw new HostSetupException($"Could not read the version of {binary}: {result.Reason}");
    }

    /// <param name="files">path in the image → host file.</param>
    /// <param name="linked">host binaries whose shared libraries the image needs too.</param>
    private List<TarEntrySpec> RootFilesystem(IReadOnlyDictionary<string, string> files, IEnumerable<string> linked, string busybox, string etcFolder)
    {
        var all = new SortedDictionary<string, string>(files.ToDictionary(), StringComparer.Ordinal) { ["/bin/busybox"] = busybox };
        foreach (var library in linked.Append(busybox).SelectMany(SharedLibraries).Distinct())
        {
            all[library] = library;
        }

        var entries = new List<TarEntrySpec>
        {
            new("rootfs/tmp", null, null, (UnixFileMode)Convert.ToInt32("1777", 8)),
            new("rootfs/root", null, null, null),
            new("rootfs/data", null, null, null),
            new("rootfs/etc", null, null, null),
        };
        entries.AddRange(ParentDirectories(all.Keys).Select(dir => new TarEntrySpec("rootfs" + dir, null, null, null)));
        entries.AddRange(all.Select(f => new TarEntrySpec("rootfs" + f.Key, f.Value, null, Executable)));

        Directory.CreateDirectory(etcFolder);
        for (var i = 0; i < EtcFiles.Length; i += 2)
        {
            var path = Path.Combine(etcFolder, EtcFiles[i]);
            File.WriteAllText(path, EtcFiles[i + 1]);
            entries.Add(new TarEntrySpec($"rootfs/etc/{EtcFiles[i]}", path, null, ReadOnly));
        }

        var applets = processes.Capture(busybox, "--list").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        entries.AddRange(applets
            .Where(applet => applet != "busybox" && !all.ContainsKey("/bin/" + applet))
            .Select(applet => new TarEntrySpec($"rootfs/bin/{applet}", null, "busybox", null)));
        return entries;
    }

    private const UnixFileMode Executable = (UnixFileMode)0b111_101_101;
    private const UnixFileMode ReadOnly = (UnixFileMode)0b110_100_100;

    /// <summary>The libraries a dynamic binary loads, at the paths ldd prints (the loader included).</summary>
    private IEnumerable<string> SharedLibraries(string binary)
    {
        var result = processes.Capture("ldd", binary);
        if (result.ExitCode != 0)
        {
            return []; // "not a dynamic executable": a static binary needs nothing else.
        }

        var libraries = new List<string>();
        foreach (var line in result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.Contains("not found", StringComparison.Ordinal))
            {
                throw new HostSetupException($"{binary} needs a library this host lacks ({line}); repair the host's package and run again.");
            }

            var path = line.Contains("=>", StringComparison.Ordinal) ? line.Split("=>")[1].Trim().Split(' ')[0] : line.Split(' ')[0];
            if (path.StartsWith('/'))
            {
                libraries.Add(path);
            }
        }

        // An image without its loader fails only at run time, with a baffling "no such file or directory".
        return libraries.Count > 0
            ? libraries
            : throw new HostSetupException($"ldd {binary} listed no libraries; cannot build a base image from it.");
    }

    private static IEnumerable<string> ParentDirectories(IEnumerable<string> files) =>
        files.SelectMany(file =>
            {
                var parents = new List<string>();
                for (var dir = Path.GetDirectoryName(file); !string.IsNullOrEmpty(dir) && dir != "/"; dir = Path.GetDirectoryName(dir))
                {
                    parents.Add(dir);
                }

                return parents;
            })
            .Distinct()
            .Order(StringComparer.Ordinal);
}
