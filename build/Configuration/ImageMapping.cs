using System.Text.Json;
using System.Text.Json.Serialization;

namespace KahaDeploy.Configuration;

/// <summary>
/// What a Docker Hub REPOSITORY:TAG maps to: an environment name ("prod"), or {"environment": "prod", "allowOlder": true}
/// for a mapping whose pushes may deploy an image older than the live one (a push deploy otherwise only moves forward).
/// </summary>
[JsonConverter(typeof(Converter))]
public sealed record ImageMapping
{
    public required string Environment { get; init; }

    public bool AllowOlder { get; init; }

    /// <summary>The object form, read with the file's own strict options (an unknown key is refused).</summary>
    internal sealed record Written
    {
        public required string Environment { get; set; }

        public bool AllowOlder { get; set; }
    }

    internal sealed class Converter : JsonConverter<ImageMapping>
    {
        public override ImageMapping Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType is JsonTokenType.String)
            {
                return new ImageMapping { Environment = reader.GetString()! };
            }

            var written = JsonSerializer.Deserialize<Written>(ref reader, options) ?? throw new JsonException("The JSON value could not be converted to ImageMapping.");
            return new ImageMapping { Environment = written.Environment, AllowOlder = written.AllowOlder };
        }

        public override void Write(Utf8JsonWriter writer, ImageMapping value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, new Written { Environment = value.Environment, AllowOlder = value.AllowOlder }, options);
    }
}
