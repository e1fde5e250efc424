using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace KahaDeploy.Services.Docker;

public sealed partial class DockerEngine
{
    /// <summary>The last <paramref name="tail"/> lines of the container's output, stdout and stderr interleaved as written (a negative <paramref name="tail"/>: all of it).</summary>
    public async Task<string> GetContainerLogsAsync(string name, int tail)
    {
        var lines = new List<string>();
        await StreamContainerLogsAsync(name, new LogQuery(tail, Since: null, Follow: false), line => lines.Add(line.Text)).ConfigureAwait(false);
        return string.Join('\n', lines);
    }

    /// <summary>
    /// Hands the container's output to <paramref name="output"/> line by line, stdout and stderr as written: the last
    /// <see cref="LogQuery.Tail"/> lines (or all), only those since <see cref="LogQuery.Since"/>, and with
    /// <see cref="LogQuery.Follow"/> every new line until the container stops.
    /// </summary>
    public Task StreamContainerLogsAsync(string name, LogQuery query, Action<ContainerLogLine> output)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(output);
        return CallAsync($"read the logs of container '{name}'", async () =>
        {
            using var stream = await _client.Containers.GetContainerLogsAsync(name, new ContainerLogsParameters
            {
                ShowStdout = true,
                ShowStderr = true,
                Follow = query.Follow,
                Timestamps = true,
                Since = query.Since is { } since ? (since.ToUnixTimeMilliseconds() / 1000m).ToString("0.000", CultureInfo.InvariantCulture) : null,
                Tail = query.Tail < 0 ? "all" : query.Tail.ToString(CultureInfo.InvariantCulture),
            }).ConfigureAwait(false);
            await ReadLinesAsync(stream, output).ConfigureAwait(false);
        });
    }

    /// <summary>Hands on the lines of a multiplexed log stream as they come, each stream (stdout, stderr) cut into lines on its own.</summary>
    private static async Task ReadLinesAsync(MultiplexedStream stream, Action<ContainerLogLine> output)
    {
        // Each stream is cut into lines on its own: a frame may end in the middle of a line, or of a character.
        var pending = new Dictionary<MultiplexedStream.TargetStream, (System.Text.Decoder Decoder, System.Text.StringBuilder Text)>();
        var buffer = new byte[16 * 1024];
        var chars = new char[System.Text.Encoding.UTF8.GetMaxCharCount(buffer.Length)];
        while (true)
        {
            var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, CancellationToken.None).ConfigureAwait(false);
            if (read.EOF || read.Count == 0)
            {
                break;
            }

            if (!pending.TryGetValue(read.Target, out var part))
            {
                pending[read.Target] = part = (System.Text.Encoding.UTF8.GetDecoder(), new System.Text.StringBuilder());
            }

            part.Text.Append(chars, 0, part.Decoder.GetChars(buffer, 0, read.Count, chars, 0));
            EmitLines(part.Text, read.Target, output, complete: false);
        }

        foreach (var (target, part) in pending)
        {
            EmitLines(part.Text, target, output, complete: true);
        }
    }

    /// <summary>Hands on the whole lines in <paramref name="text"/> (with <paramref name="complete"/>, the rest too) and keeps what is left.</summary>
    private static void EmitLines(System.Text.StringBuilder text, MultiplexedStream.TargetStream target, Action<ContainerLogLine> output, bool complete)
    {
        var lines = text.ToString().Split('\n');
        var whole = complete && lines[^1].Length > 0 ? lines : lines[..^1];
        foreach (var line in whole)
        {
            // With timestamps the engine starts each line with its RFC 3339 time and a space.
            var space = line.IndexOf(' ');
            var time = space > 0 ? EngineMapping.ParseEngineTime(line[..space]) : null;
            output(new ContainerLogLine(time, target == MultiplexedStream.TargetStream.StandardError, (time is null ? line : line[(space + 1)..]).TrimEnd('\r')));
        }

        text.Clear();
        if (!complete)
        {
            text.Append(lines[^1]);
        }
    }
}
