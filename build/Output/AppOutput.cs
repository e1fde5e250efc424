using System.Text.Json;

namespace KahaDeploy.Output;

/// <summary>Prints lines a container wrote to stdout, masked: as they are, or with --log-format=json one JSON object each.</summary>
public sealed class AppOutput(SecretMasker masker, ConsoleLayout layout)
{
    public void Write(string container, ContainerLogLine line)
    {
        var text = masker.Apply(line.Text);
        var output = layout.JsonLines
            ? JsonSerializer.Serialize(new { time = line.Time, container, stream = line.StandardError ? "stderr" : "stdout", message = text }, JsonLinesLog.Options)
            : text;
        Console.Out.WriteLine(output);
    }
}
