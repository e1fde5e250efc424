using System.Text;
using System.Text.Json;
using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Runs;

/// <summary>
/// <c>.deploy/ENV/history.jsonl</c>: one JSON line per finished run, each appended in a single write, so the file is
/// always whole lines. A run in progress is a marker file in <c>.deploy/ENV/runs/</c>; a marker whose process is gone
/// belongs to a run that was killed, and the next run records it as interrupted, unless the run had done its work
/// (<see cref="Complete"/>): then as it ended.
/// </summary>
public sealed class RunHistory(ICakeLog log)
{
    private const string FileName = "history.jsonl";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = RunHistoryJson.Default,
    };

    internal sealed record Marker(RunRecord Run, ProcessIdentity Process);

    /// <summary>Marks <paramref name="run"/> as in progress; returns the earlier runs found killed, now recorded as interrupted.</summary>
    public IReadOnlyList<RunRecord> Start(string environmentFolder, RunRecord run)
    {
        var interrupted = new List<RunRecord>();
        // Read only when a killed run left a marker: the whole history is no start-up cost of every run (issue 18).
        HashSet<string>? recorded = null;
        foreach (var (file, marker) in Markers(environmentFolder).Where(m => !m.Marker.Process.IsAlive()))
        {
            recorded ??= ReadFile(environmentFolder).Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
            // A run killed after its line was written but before its marker was removed is already recorded.
            if (!recorded.Contains(marker.Run.Id))
            {
                var lost = AsEnded(marker.Run);
                Append(environmentFolder, lost);
                if (lost.Result == RunRecord.Interrupted)
                {
                    interrupted.Add(lost);
                }
            }

            File.Delete(file);
        }

        var folder = MarkerFolder(environmentFolder);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, run.Id + ".json");
        WriteMarker(path, run);
        return interrupted;
    }

    /// <summary>
    /// The run's work is done (its last task ended) but its line is not written yet: a kill from here on, in the
    /// teardown, leaves a marker that the next run records as <paramref name="run"/> says, not as interrupted.
    /// </summary>
    public void Complete(string environmentFolder, RunRecord run)
    {
        var path = Path.Combine(MarkerFolder(environmentFolder), run.Id + ".json");
        if (File.Exists(path))
        {
            WriteMarker(path, run);
        }
    }

    private static void WriteMarker(string path, RunRecord run)
    {
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(new Marker(run, ProcessIdentity.Current()), Json));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>Writes the finished run's line and removes its marker.</summary>
    public void Finish(string environmentFolder, RunRecord run)
    {
        Append(environmentFolder, run);
        File.Delete(Path.Combine(MarkerFolder(environmentFolder), run.Id + ".json"));
    }

    /// <summary>Appends what happened outside any run (a failover of the proxy).</summary>
    public void Record(string environmentFolder, RunRecord record) => Append(environmentFolder, record);

    /// <summary>Every run, oldest first: the finished ones, those in progress, and those killed but not yet recorded (as interrupted).</summary>
    public IReadOnlyList<RunRecord> Read(string environmentFolder)
    {
        var runs = ReadFile(environmentFolder);
        var recorded = runs.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var open = Markers(environmentFolder)
            .Where(m => !recorded.Contains(m.Marker.Run.Id))
            .Select(m => m.Marker.Process.IsAlive() ? m.Marker.Run : AsEnded(m.Marker.Run));
        return runs.Concat(open).OrderBy(r => r.Started).ToList();
    }

    private List<RunRecord> ReadFile(string environmentFolder)
    {
        var file = Path.Combine(environmentFolder, FileName);
        if (!File.Exists(file))
        {
            return [];
        }

        var runs = new List<RunRecord>();
        var number = 0;
        foreach (var line in File.ReadLines(file))
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                runs.Add(JsonSerializer.Deserialize<RunRecord>(line, Json)!);
            }
            catch (JsonException)
            {
                log.Warning("{0} line {1} is not a run record (edited by hand?); it is left out.", file, number);
            }
        }

        return runs;
    }

    private static IEnumerable<(string File, Marker Marker)> Markers(string environmentFolder)
    {
        var folder = MarkerFolder(environmentFolder);
        if (!Directory.Exists(folder))
        {
            yield break;
        }

        foreach (var file in Directory.GetFiles(folder, "*.json"))
        {
            Marker? marker;
            try
            {
                marker = JsonSerializer.Deserialize<Marker>(File.ReadAllText(file), Json);
            }
            catch (Exception ex) when (ex is IOException or JsonException)
            {
                continue; // Removed by its run in the meantime.
            }

            if (marker is not null)
            {
                yield return (file, marker);
            }
        }
    }

    private static void Append(string environmentFolder, RunRecord run)
    {
        Directory.CreateDirectory(environmentFolder);
        var line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(run, Json) + "\n");
        using var file = new FileStream(Path.Combine(environmentFolder, FileName), FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        file.Write(line);
        file.Flush(flushToDisk: true);
    }

    /// <summary>A run whose process is gone: as it ended when it had completed its work, else interrupted.</summary>
    private static RunRecord AsEnded(RunRecord run) => run.Result != RunRecord.Running ? run : run with
    {
        Result = RunRecord.Interrupted,
        Error = "The run ended without finishing (killed, or its machine stopped); its log shows how far it got.",
    };

    private static string MarkerFolder(string environmentFolder) => Path.Combine(environmentFolder, "runs");
}

/// <summary>The history's lines and markers, read and written by code generated at compile time: every run that changes an environment writes them (issue 18).</summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(RunRecord))]
[System.Text.Json.Serialization.JsonSerializable(typeof(RunHistory.Marker))]
internal sealed partial class RunHistoryJson : System.Text.Json.Serialization.JsonSerializerContext;
