using System.Formats.Tar;
using System.Text;

namespace KahaDeploy.Services.Docker;

/// <summary>Writes Docker build contexts as tar archives (PAX format, owner root, as the Docker CLI sends them).</summary>
internal static class BuildContextTar
{
    private const UnixFileMode DefaultDirectoryMode = (UnixFileMode)0b111_101_101; // 0755
    private const UnixFileMode DefaultFileMode = (UnixFileMode)0b110_100_100; // 0644
    private const UnixFileMode DefaultSymlinkMode = (UnixFileMode)0b111_111_111; // 0777

    /// <summary>
    /// Writes the files of <paramref name="contextDirectory"/> that <paramref name="ignore"/> lets through.
    /// Symlinks are stored as symlinks (not followed); sockets are left out. <paramref name="replaced"/>
    /// names context paths left out: those <paramref name="extraFiles"/> brings another version of, and those not to send.
    /// </summary>
    public static void WriteDirectory(Stream output, string contextDirectory, DockerIgnore ignore, IReadOnlyCollection<string> replaced, IReadOnlyList<(string Name, byte[] Content)> extraFiles)
    {
        using var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        var root = new DirectoryInfo(contextDirectory);
        WriteChildren(writer, root, "", ignore, replaced);
        foreach (var (name, content) in extraFiles)
        {
            WriteBytes(writer, name, content, DefaultFileMode);
        }
    }

    /// <summary>Writes the entries described by <paramref name="entries"/> plus the given in-memory files.</summary>
    public static void WriteEntries(Stream output, IReadOnlyList<TarEntrySpec> entries, IReadOnlyList<(string Name, byte[] Content)> extraFiles)
    {
        using var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        foreach (var spec in entries)
        {
            var name = NormalizeEntryName(spec.PathInContext);
            if (spec.HostPath is not null && spec.SymlinkTarget is not null)
            {
                throw new ArgumentException($"Tar entry '{spec.PathInContext}' names both a host file and a symlink target.", nameof(entries));
            }

            if (spec.SymlinkTarget is not null)
            {
                var entry = NewEntry(TarEntryType.SymbolicLink, name, spec.Mode ?? DefaultSymlinkMode, DateTimeOffset.UtcNow);
                entry.LinkName = spec.SymlinkTarget;
                writer.WriteEntry(entry);
            }
            else if (spec.HostPath is not null)
            {
                var file = ResolveRegularFile(spec.HostPath);
                WriteFile(writer, name, file, spec.Mode);
            }
            else
            {
                writer.WriteEntry(NewEntry(TarEntryType.Directory, name + "/", spec.Mode ?? DefaultDirectoryMode, DateTimeOffset.UtcNow));
            }
        }

        foreach (var (name, content) in extraFiles)
        {
            WriteBytes(writer, name, content, DefaultFileMode);
        }
    }

    private static void WriteChildren(TarWriter writer, DirectoryInfo directory, string relativeDirectory, DockerIgnore ignore, IReadOnlyCollection<string> replaced)
    {
        foreach (var info in directory.EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            var relative = relativeDirectory.Length == 0 ? info.Name : relativeDirectory + "/" + info.Name;
            if (replaced.Contains(relative))
            {
                continue;
            }

            var isLink = info.LinkTarget is not null;
            var isDirectory = !isLink && info is DirectoryInfo;

            if (ignore.IsExcluded(relative))
            {
                // As the Docker CLI: an excluded directory is walked only when an exception may re-include something in it.
                if (isDirectory && ignore.MayIncludeBelow(relative))
                {
                    WriteChildren(writer, (DirectoryInfo)info, relative, ignore, replaced);
                }

                continue;
            }

            if (isLink)
            {
                var entry = NewEntry(TarEntryType.SymbolicLink, relative, DefaultSymlinkMode, info.LastWriteTimeUtc);
                entry.LinkName = info.LinkTarget!;
                writer.WriteEntry(entry);
            }
            else if (isDirectory)
            {
                writer.WriteEntry(NewEntry(TarEntryType.Directory, relative + "/", ModeOf(info, DefaultDirectoryMode), info.LastWriteTimeUtc));
                WriteChildren(writer, (DirectoryInfo)info, relative, ignore, replaced);
            }
            else if (info is FileInfo { Length: > 0 } file)
            {
                WriteFile(writer, relative, file, null);
            }
            else
            {
                // Empty files, and FIFOs, sockets and devices (which report no size and must not be opened):
                // the tar writer stats them and writes the right entry type without reading a FIFO.
                WriteSpecial(writer, info.FullName, relative);
            }
        }
    }

    private static void WriteFile(TarWriter writer, string name, FileInfo file, UnixFileMode? mode)
    {
        using var content = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        var entry = NewEntry(TarEntryType.RegularFile, name, mode ?? ModeOf(file, DefaultFileMode), file.LastWriteTimeUtc);
        entry.DataStream = content;
        writer.WriteEntry(entry);
    }

    private static void WriteBytes(TarWriter writer, string name, byte[] content, UnixFileMode mode)
    {
        var entry = NewEntry(TarEntryType.RegularFile, NormalizeEntryName(name), mode, DateTimeOffset.UtcNow);
        entry.DataStream = new MemoryStream(content, writable: false);
        writer.WriteEntry(entry);
    }

    private static PaxTarEntry NewEntry(TarEntryType type, string name, UnixFileMode mode, DateTimeOffset modified)
    {
        // Only mtime in the extended header: no atime/ctime noise, and a stable archive for the same files.
        var entry = new PaxTarEntry(type, name, new Dictionary<string, string>())
        {
            Mode = mode,
            Uid = 0,
            Gid = 0,
            ModificationTime = modified,
        };
        return entry;
    }

    private static UnixFileMode ModeOf(FileSystemInfo info, UnixFileMode fallback)
    {
        try
        {
            return info.UnixFileMode;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return fallback;
        }
    }

    private static void WriteSpecial(TarWriter writer, string fullPath, string relative)
    {
        try
        {
            writer.WriteEntry(fullPath, relative);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or NotSupportedException)
        {
            // A socket cannot be archived; the Docker CLI leaves those out too.
        }
    }

    private static FileInfo ResolveRegularFile(string hostPath)
    {
        var file = new FileInfo(hostPath);
        if (file.LinkTarget is not null)
        {
            file = file.ResolveLinkTarget(returnFinalTarget: true) as FileInfo
                ?? throw new FileNotFoundException($"The symlink '{hostPath}' does not lead to a file.", hostPath);
        }

        if (!file.Exists)
        {
            throw new FileNotFoundException($"The file '{hostPath}' does not exist.", hostPath);
        }

        return file;
    }

    internal static string NormalizeEntryName(string pathInContext)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pathInContext);
        var cleaned = DockerIgnore.CleanPath(pathInContext.Replace('\\', '/')).TrimStart('/');
        if (cleaned.Length == 0 || cleaned == "." || cleaned == ".." || cleaned.StartsWith("../", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{pathInContext}' is not a path inside the build context.", nameof(pathInContext));
        }

        return cleaned;
    }

    internal static byte[] Utf8(string text) => new UTF8Encoding(false).GetBytes(text);
}
