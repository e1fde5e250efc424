using Cake.Core.IO;

namespace KahaDeploy.Services.Host;

/// <summary>
/// Cake's process runner, for programs a run starts (npm, git). Ctrl-C in a terminal reaches the whole foreground
/// process group, so such a program stops with the tool and fails: its failure would end the run with its own error
/// ("npm: exit code 130") and the wrong exit code, where an interrupted run ends with the line that says what serves.
/// Once a signal came, a program that ended without success is reported as the interruption it was.
/// </summary>
public sealed class InterruptibleProcessRunner(IProcessRunner runner, Interruption interruption) : IProcessRunner
{
    public IProcess Start(FilePath filePath, ProcessSettings settings) =>
        new Watched(runner.Start(filePath, settings), filePath.GetFilenameWithoutExtension().FullPath, interruption);

    private sealed class Watched(IProcess process, string program, Interruption interruption) : IProcess
    {
        public void WaitForExit() => process.WaitForExit();

        public bool WaitForExit(int milliseconds) => process.WaitForExit(milliseconds);

        public int GetExitCode()
        {
            var code = process.GetExitCode();
            if (code != 0)
            {
                interruption.StopIfRequested($"{program} finished");
            }

            return code;
        }

        public IEnumerable<string> GetStandardError() => process.GetStandardError();

        public IEnumerable<string> GetStandardOutput() => process.GetStandardOutput();

        public void Kill() => process.Kill();

        public void Dispose() => process.Dispose();
    }
}
