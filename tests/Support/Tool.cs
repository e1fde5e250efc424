using System.Collections.Concurrent;
using System.Text;

namespace KahaDeploy.Tests.Support;

/// <summary>kaha-deploy as its users run it: ./build.sh (or build.ps1) with arguments. Keeps all it printed for the secret scan.</summary>
public static class Tool
{
    private static readonly object TranscriptGate = new();
    private static readonly StringBuilder TranscriptText = new();

    /// <summary>Every secret value any test handed the tool.</summary>
    public static ConcurrentDictionary<string, byte> KnownSecrets { get; } = new();

    /// <summary>Everything the tool printed during this test run.</summary>
    public static string Transcript
    {
        get
        {
            lock (TranscriptGate)
            {
                return TranscriptText.ToString();
            }
        }
    }

    public static ProcessResult Run(params string[] arguments) => Run(arguments, null);

    public static ProcessResult Run(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment) =>
        Record(Shell.Run(Path.Combine(Repo.Root, "build.sh"), arguments, Repo.Root, environment, TimeSpan.FromMinutes(5)));

    public static ProcessResult RunPowerShell(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment) =>
        Record(Shell.Run(PowerShell.Executable, ["-NoProfile", "-File", Path.Combine(Repo.Root, "build.ps1"), .. arguments],
            Repo.Root, environment, TimeSpan.FromMinutes(5)));

    private static ProcessResult Record(ProcessResult result)
    {
        Record(result.All);
        return result;
    }

    /// <summary>Adds what a long-running tool process (the listener) printed to the transcript.</summary>
    public static void Record(string output)
    {
        lock (TranscriptGate)
        {
            TranscriptText.AppendLine(output);
        }
    }
}
