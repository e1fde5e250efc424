namespace KahaDeploy.Tests.Support;

/// <summary>This machine's processes, as /proc lists them.</summary>
public static class Processes
{
    /// <summary>The running processes whose command line has every one of <paramref name="parts"/>: id and program name.</summary>
    public static IReadOnlyList<(int Pid, string Program)> WithCommandLine(params string[] parts)
    {
        var found = new List<(int, string)>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var pid))
            {
                continue;
            }

            try
            {
                var commandLine = File.ReadAllText(Path.Combine(folder, "cmdline")).Replace('\0', ' ');
                if (parts.All(commandLine.Contains))
                {
                    found.Add((pid, File.ReadAllText(Path.Combine(folder, "comm")).Trim()));
                }
            }
            catch (IOException)
            {
                // It ended while we looked.
            }
        }

        return found;
    }
}
