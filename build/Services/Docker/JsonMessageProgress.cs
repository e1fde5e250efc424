using System.Text;
using System.Text.Json;
using Docker.DotNet.Models;

namespace KahaDeploy.Services.Docker;

/// <summary>
/// Turns the JSON messages of a build or pull into output lines: each line of <c>stream</c> text
/// (pieces are joined until a newline), <c>status</c> messages without their progress bars, and
/// remembers the first <c>errorDetail</c> and the built image id (<c>aux.ID</c>).
/// </summary>
internal sealed class JsonMessageProgress(Action<string> output) : IProgress<JSONMessage>
{
    private const string SuccessfullyBuilt = "Successfully built ";

    private readonly StringBuilder _pending = new();

    public string? Error { get; private set; }

    public string? ImageId { get; private set; }

    /// <summary>The short id of a "Successfully built abc123" line (classic builder), if one came.</summary>
    public string? BuiltShortId { get; private set; }

    public void Report(JSONMessage value)
    {
        if (value.Error is { Message: { Length: > 0 } error })
        {
            Flush();
            Error ??= error.TrimEnd('\r', '\n');
            return;
        }

        if (value.Aux?.ExtensionData is { } aux && aux.TryGetValue("ID", out var id))
        {
            var text = id is JsonElement { ValueKind: JsonValueKind.String } element ? element.GetString() : id?.ToString();
            if (!string.IsNullOrEmpty(text))
            {
                ImageId = text;
            }
        }

        if (value.Stream is { Length: > 0 } stream)
        {
            _pending.Append(stream);
            EmitCompleteLines();
            return;
        }

        if (!string.IsNullOrEmpty(value.Status))
        {
            // "Downloading"/"Extracting" messages carry a progress bar; only their final states are worth a line.
            if (value.Progress is { } progress && (progress.Current > 0 || progress.Total > 0))
            {
                return;
            }

            Flush();
            output(string.IsNullOrEmpty(value.ID) ? value.Status : $"{value.ID}: {value.Status}");
        }
    }

    /// <summary>Emits any text still waiting for its newline.</summary>
    public void Flush()
    {
        if (_pending.Length > 0)
        {
            Emit(_pending.ToString());
            _pending.Clear();
        }
    }

    private void EmitCompleteLines()
    {
        var text = _pending.ToString();
        var lastNewline = text.LastIndexOf('\n');
        if (lastNewline < 0)
        {
            return;
        }

        foreach (var line in text[..lastNewline].Split('\n'))
        {
            Emit(line);
        }

        _pending.Clear();
        _pending.Append(text, lastNewline + 1, text.Length - lastNewline - 1);
    }

    private void Emit(string line)
    {
        line = line.TrimEnd('\r');
        if (line.Trim().Length == 0)
        {
            return;
        }

        if (line.StartsWith(SuccessfullyBuilt, StringComparison.Ordinal))
        {
            BuiltShortId = line[SuccessfullyBuilt.Length..].Trim();
        }

        output(line);
    }
}
