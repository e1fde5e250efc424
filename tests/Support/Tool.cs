using System.Collections.Concurrent;
using System.Diagnostics;
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

    /// <summary>The published dll run with dotnet (dotnet build/bin/tool/kaha-deploy.dll), as a server's unit or a person may; build.sh built it.</summary>
    public static ProcessResult RunDll(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment) =>
        Record(Shell.Run("dotnet", [Path.Combine(Repo.Root, "build", "bin", "tool", "kaha-deploy.dll"), .. arguments], Repo.Root, environment, TimeSpan.FromMinutes(5)));

    public static ProcessResult RunPowerShell(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment) =>
        Record(Shell.Run(PowerShell.Executable, ["-NoProfile", "-File", Path.Combine(Repo.Root, "build.ps1"), .. arguments],
            Repo.Root, environment, TimeSpan.FromMinutes(5)));

    /// <summary>Starts the tool without waiting for it, for a test that stops it midway (by its id, see <see cref="Running.Kill"/>).</summary>
    public static Running Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        // SIGINT at its default, whatever this test process inherited (see StartInProcessGroup): the tests signal it.
        var process = Process.Start(Shell.StartInfo("env", ["--default-signal=INT", Path.Combine(Repo.Root, "build.sh"), .. arguments], Repo.Root, environment))!;
        process.StandardInput.Close();
        return new Running(process);
    }

    /// <summary>
    /// Starts the tool as a terminal would, leading a process group of its own (setsid execs build.sh, which execs the
    /// tool, so the id is the tool's): <see cref="Running.InterruptGroup"/> then reaches it and every program it started.
    /// </summary>
    public static Running StartInProcessGroup(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        // As a terminal starts a foreground job: SIGINT at its default, whatever this test process inherited (a test run
        // started in the background, `dotnet test ... &`, ignores SIGINT, and the tool would then inherit that).
        var process = Process.Start(Shell.StartInfo("setsid", ["env", "--default-signal=INT", Path.Combine(Repo.Root, "build.sh"), .. arguments], Repo.Root, environment))!;
        process.StandardInput.Close();
        return new Running(process);
    }

    /// <summary>The tool running in the background; what it printed is kept for the secret scan.</summary>
    public sealed class Running : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        internal Running(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, e) => Append(e.Data);
            _process.ErrorDataReceived += (_, e) => Append(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        /// <summary>The tool's process id (build.sh exec's it), for a test that signals it itself.</summary>
        public int Id => _process.Id;

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        /// <summary>Kills the process this test started and whatever it started, as a crash or kill -9 would.</summary>
        public void Kill()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        /// <summary>
        /// Sends SIGINT to the process by its id, as Ctrl-C in a terminal does: build.sh exec's the tool, so this is the tool itself.
        /// </summary>
        public void Interrupt() => Shell.Must("kill", "-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

        /// <summary>Ctrl-C as a terminal sends it: SIGINT to the whole process group (see <see cref="StartInProcessGroup"/>).</summary>
        public void InterruptGroup() => Shell.Must("kill", "-INT", "--", "-" + _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

        /// <summary>Waits until the output contains <paramref name="text"/>; false when the process ended first or the time ran out.</summary>
        public bool WaitForOutput(string text, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (!Output.Contains(text, StringComparison.Ordinal))
            {
                if (_process.HasExited || clock.Elapsed > timeout)
                {
                    return Output.Contains(text, StringComparison.Ordinal);
                }

                Thread.Sleep(10);
            }

            return true;
        }

        /// <summary>The exit code, once <see cref="WaitForExit"/> said it ended.</summary>
        public int ExitCode => _process.ExitCode;

        /// <summary>Waits for the process to end by itself; false when it did not within <paramref name="timeout"/>.</summary>
        public bool WaitForExit(TimeSpan timeout)
        {
            if (!_process.WaitForExit(timeout))
            {
                return false;
            }

            _process.WaitForExit(); // and for the last of its output
            return true;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                Kill();
            }

            _process.WaitForExit();
            Record(new ProcessResult(_process.ExitCode, Output, ""));
            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

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
