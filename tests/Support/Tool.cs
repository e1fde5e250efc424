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

    /// <summary>Starts the tool without waiting, for a test that stops it half-way; what it prints still goes to the transcript.</summary>
    public static System.Diagnostics.Process Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var start = new System.Diagnostics.ProcessStartInfo(Path.Combine(Repo.Root, "build.sh"))
        {
            WorkingDirectory = Repo.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = System.Diagnostics.Process.Start(start)!;
        process.OutputDataReceived += (_, line) => Record(new ProcessResult(0, line.Data ?? "", ""));
        process.ErrorDataReceived += (_, line) => Record(new ProcessResult(0, "", line.Data ?? ""));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static ProcessResult Record(ProcessResult result)
    {
        lock (TranscriptGate)
        {
            TranscriptText.AppendLine(result.All);
        }

        return result;
    }
}
