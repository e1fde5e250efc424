using Cake.Cli;
using Cake.Core;
using Cake.Core.Diagnostics;
using Spectre.Console;

namespace KahaDeploy.Output;

/// <summary>
/// Cake's task banners and its report table, from --verbosity=verbose up. At normal verbosity they are the noise between
/// the lines that matter: what each task did, and the run's one closing line.
/// </summary>
public sealed class QuietReportPrinter(IAnsiConsole console, ICakeLog log) : ICakeReportPrinter
{
    private readonly CakeSpectreReportPrinter _cake = new(console);

    private bool Shown => log.Verbosity >= Verbosity.Verbose;

    public void Write(CakeReport report)
    {
        if (Shown)
        {
            _cake.Write(report);
        }
    }

    public void WriteStep(string name, Verbosity verbosity)
    {
        if (Shown)
        {
            _cake.WriteStep(name, verbosity);
        }
    }

    public void WriteLifeCycleStep(string name, Verbosity verbosity)
    {
        if (Shown)
        {
            _cake.WriteLifeCycleStep(name, verbosity);
        }
    }

    public void WriteSkippedStep(string name, Verbosity verbosity)
    {
        if (Shown)
        {
            _cake.WriteSkippedStep(name, verbosity);
        }
    }
}
