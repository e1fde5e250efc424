using Cake.Core;

namespace KahaDeploy.Output;

/// <summary>
/// What goes where on the console. When stdout carries data for scripts (--json's document, or Logs' app output), the
/// tool's own log, tables and report go to stderr. With --log-format=json the log is one JSON object per line, and
/// stdout carries nothing but JSON lines. A terminal gets colour and tables as wide as its window; a file or a pipe
/// gets plain text, one table row per line.
/// </summary>
public sealed record ConsoleLayout(bool JsonLines, bool DataOnStdout)
{
    /// <summary>The width tables get in a file or a pipe: wide enough that no cell is ever broken into lines.</summary>
    public const int UnlimitedWidth = 4096;

    public static ConsoleLayout From(ICakeArguments arguments)
    {
        var json = Arguments.LogFormat.From(arguments);
        var target = arguments.GetArguments("target").Concat(arguments.GetArguments("t")).LastOrDefault();
        return new ConsoleLayout(json, Arguments.Json.From(arguments) || TargetKind.Is<DataOnStdoutAttribute>(target));
    }

    /// <summary>Where tables and the task report go.</summary>
    public TextWriter TablesWriter => DataOnStdout || JsonLines ? Console.Error : Console.Out;

    /// <summary>
    /// Colour only for a person at a terminal: both streams the tool writes to are one, and NO_COLOR (no-color.org) is
    /// not set. A log file or a CI transcript then holds no escape codes.
    /// </summary>
    public static bool Colour =>
        !Console.IsOutputRedirected && !Console.IsErrorRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    /// <summary>The columns tables may use: the terminal's (COLUMNS first, as shells and tmux set it), else unlimited.</summary>
    public int Width
    {
        get
        {
            var tablesToTerminal = TablesWriter == Console.Out ? !Console.IsOutputRedirected : !Console.IsErrorRedirected;
            if (!tablesToTerminal)
            {
                return UnlimitedWidth;
            }

            if (int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 0)
            {
                return columns;
            }

            return Console.WindowWidth is > 0 and var window ? window : 80;
        }
    }
}
