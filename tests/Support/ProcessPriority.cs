using System.Diagnostics;

namespace KahaDeploy.Tests.Support;

/// <summary>The CPU priority of a running process, as /proc shows it: its nice and that of its session's scheduling group (autogroup).</summary>
public sealed record ProcessPriority(int Nice, int? SessionGroupNice)
{
    public static ProcessPriority Of(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fieldsAfterName = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var autogroup = $"/proc/{pid}/autogroup";
        int? groupNice = File.Exists(autogroup) ? int.Parse(File.ReadAllText(autogroup).Trim().Split(' ')[^1]) : null;
        return new ProcessPriority(int.Parse(fieldsAfterName[16]), groupNice);
    }

    /// <summary>
    /// The priority of the first process whose command line has every one of <paramref name="parts"/>, once it runs its
    /// program (not while a launcher such as setsid or nice still sets it up), looked for until <paramref name="timeout"/>.
    /// </summary>
    public static ProcessPriority? Find(TimeSpan timeout, params string[] parts)
    {
        var clock = Stopwatch.StartNew();
        do
        {
            foreach (var (pid, program) in Processes.WithCommandLine(parts))
            {
                if (program is not ("setsid" or "sh" or "nice"))
                {
                    try
                    {
                        return Of(pid);
                    }
                    catch (IOException)
                    {
                        // It ended while we looked.
                    }
                }
            }

            Thread.Sleep(50);
        }
        while (clock.Elapsed < timeout);

        return null;
    }
}
