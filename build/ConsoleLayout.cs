using Cake.Core;
using KahaDeploy.Configuration;

namespace KahaDeploy;

/// <summary>
/// What goes where on the console. When stdout carries data for scripts (--json's document, or Logs' app output), the
/// tool's own log, tables and report go to stderr. With --log-format=json the log is one JSON object per line, and
/// stdout carries nothing but JSON lines.
/// </summary>
public sealed record ConsoleLayout(bool JsonLines, bool DataOnStdout)
{
    public static ConsoleLayout From(ICakeArguments arguments)
    {
        var format = arguments.HasArgument("log-format") ? arguments.GetArgument("log-format") : "text";
        var json = format.ToLowerInvariant() switch
        {
            "text" => false,
            "json" => true,
            _ => throw new ConfigException(
                $"--log-format={format} is not a log format; use --log-format=json for one JSON object per line, or leave it out for text."),
        };
        var target = arguments.GetArguments("target").Concat(arguments.GetArguments("t")).LastOrDefault();
        return new ConsoleLayout(json, arguments.HasArgument("json") || string.Equals(target, nameof(Tasks.Logs), StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Where tables and the task report go.</summary>
    public TextWriter TablesWriter => DataOnStdout || JsonLines ? Console.Error : Console.Out;
}
