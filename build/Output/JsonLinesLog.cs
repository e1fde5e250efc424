using System.Text.Encodings.Web;
using System.Text.Json;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace KahaDeploy.Output;

/// <summary>With --log-format=json: each message as one JSON object on its own line, for journald or a log shipper.</summary>
public sealed class JsonLinesLog(IConsole console, SecretMasker masker) : ICakeLog
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly object _gate = new();

    public Verbosity Verbosity { get; set; } = Verbosity.Normal;

    public void Write(Verbosity verbosity, LogLevel level, string format, params object[] args)
    {
        if (verbosity > Verbosity)
        {
            return;
        }

        // Masked before it is encoded: JSON escaping could otherwise hide a secret from the masker.
        var line = JsonSerializer.Serialize(
            new { time = DateTimeOffset.UtcNow, level = level.ToString().ToLowerInvariant(), message = masker.Apply(format, args) }, Options);
        lock (_gate)
        {
            console.WriteLine(line);
        }
    }
}
