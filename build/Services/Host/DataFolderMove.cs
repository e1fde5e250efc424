using System.Security.Cryptography;

namespace KahaDeploy.Services.Host;

/// <summary>
/// Moves a data folder to a new place without a moment where neither holds the whole data: copy to a staging folder
/// beside the target, verify every file (size and SHA-256), rename the staging folder into place, and only then
/// delete the old folder. The caller stops whatever writes to the folder first.
/// </summary>
public static class DataFolderMove
{
    /// <returns>How many files were moved.</returns>
    public static int Move(string from, string to)
    {
        var staging = to + ".moving";
        if (Directory.Exists(staging))
        {
            // Left by a move that was interrupted: incomplete by definition, and the old folder is still whole.
            Directory.Delete(staging, recursive: true);
        }

        Configuration.DataHome.CreatePrivate(staging);
        var files = Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(from, f)).ToList();
        foreach (var file in files)
        {
            var target = Path.Combine(staging, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(from, file), target);
        }

        foreach (var file in files.Where(f => !SameContent(Path.Combine(from, f), Path.Combine(staging, f))))
        {
            throw new IOException($"the copy of {Path.Combine(from, file)} in {staging} differs from the original; {from} is left as it was.");
        }

        if (Directory.Exists(to))
        {
            // Only an empty folder is replaced (Delete refuses one with files): data already there is never overwritten.
            Directory.Delete(to);
        }

        Directory.Move(staging, to);
        Directory.Delete(from, recursive: true);
        return files.Count;
    }

    /// <summary>Whether the folder is missing or holds no file at all.</summary>
    public static bool IsEmpty(string folder) => !Directory.Exists(folder) || !Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Any();

    private static bool SameContent(string left, string right)
    {
        if (new FileInfo(left).Length != new FileInfo(right).Length)
        {
            return false;
        }

        using var a = File.OpenRead(left);
        using var b = File.OpenRead(right);
        return SHA256.HashData(a).AsSpan().SequenceEqual(SHA256.HashData(b));
    }
}
