using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace KahaDeploy.Tests.Support;

/// <summary>
/// The listener as its users run it, ./build.sh --target=Listen, as a real process of its own. Stopped with SIGTERM (by
/// its id) at the end; what it printed goes into the secret scan.
/// </summary>
public sealed class ListenerProcess : IDisposable
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(10) };

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private bool _recorded;
    private bool _terminated;

    private ListenerProcess(Process process, int port)
    {
        _process = process;
        Url = new Uri($"http://127.0.0.1:{port}/");
    }

    public Uri Url { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the listener for the sandbox's config on <paramref name="port"/> and waits until /healthz answers.</summary>
    public static ListenerProcess Start(Sandbox sandbox, int port, params string[] arguments)
    {
        var start = Shell.StartInfo(Path.Combine(Repo.Root, "build.sh"),
            new[] { "--target=Listen", $"--config={sandbox.ConfigFile}", $"--port={port}" }.Concat(arguments), Repo.Root,
            // The sandbox's data home, as for the tool run by hand: both then find the proxy's state (its admin socket).
            new Dictionary<string, string?>(sandbox.Secrets) { ["KAHA_DEPLOY_DATA_HOME"] = sandbox.DataHome });
        sandbox.RememberSecrets();

        // build.sh execs dotnet, so this process is the listener itself: its id is the one to signal.
        var listener = new ListenerProcess(Process.Start(start)!, port);
        listener._process.StandardInput.Close();
        listener._process.OutputDataReceived += (_, e) => listener.Append(e.Data);
        listener._process.ErrorDataReceived += (_, e) => listener.Append(e.Data);
        listener._process.BeginOutputReadLine();
        listener._process.BeginErrorReadLine();
        listener.WaitUntil(() => listener.Answers("healthz"), TimeSpan.FromSeconds(60), "the listener to answer /healthz");
        return listener;
    }

    public JsonObject Status() => JsonNode.Parse(Client.GetStringAsync(new Uri(Url, "status")).GetAwaiter().GetResult())!.AsObject();

    /// <summary>The deploys that ended, oldest first.</summary>
    public IReadOnlyList<JsonObject> Deploys() =>
        Status()["deploys"]!.AsArray().Select(d => d!.AsObject()).Reverse().ToList();

    /// <summary>Waits until no deploy runs or waits, and at least <paramref name="ended"/> deploys have ended.</summary>
    public IReadOnlyList<JsonObject> WaitForDeploys(int ended, TimeSpan timeout)
    {
        WaitUntil(() =>
        {
            var status = Status();
            var busy = status["environments"]!.AsArray().Any(e => e!["running"] is not null || e["waiting"] is not null);
            return !busy && status["deploys"]!.AsArray().Count >= ended;
        }, timeout, $"{ended} deploy(s) to end");
        return Deploys();
    }

    public void WaitForOutput(string text, TimeSpan timeout) =>
        WaitUntil(() => Output.Contains(text, StringComparison.Ordinal), timeout, $"the listener to print \"{text}\"");

    /// <summary>SIGTERM, as systemd sends it, without waiting: the listener then drains.</summary>
    public void Terminate()
    {
        _terminated = true;
        Shell.Run("kill", "-TERM", _process.Id.ToString());
    }

    /// <summary>SIGTERM, as systemd sends it (unless <see cref="Terminate"/> did: a second one would cut the deploy); returns the exit code.</summary>
    public int Stop(TimeSpan timeout)
    {
        if (!_process.HasExited && !_terminated)
        {
            Shell.Run("kill", "-TERM", _process.Id.ToString());
        }

        if (!_process.WaitForExit(timeout))
        {
            throw new TimeoutException($"the listener did not stop within {timeout.TotalSeconds:N0} s after SIGTERM:\n{Output}");
        }

        _process.WaitForExit();
        Record();
        return _process.ExitCode;
    }

    public void WaitUntil(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (_process.HasExited)
            {
                _process.WaitForExit();
                throw new InvalidOperationException($"the listener exited ({_process.ExitCode}) while waiting for {what}:\n{Output}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"waited {timeout.TotalSeconds:N0} s for {what}:\n{Output}");
            }

            Thread.Sleep(100);
        }
    }

    private bool Answers(string path)
    {
        try
        {
            using var response = Client.GetAsync(new Uri(Url, path)).GetAwaiter().GetResult();
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private void Record()
    {
        if (!_recorded)
        {
            _recorded = true;
            Tool.Record(Output);
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                Stop(TimeSpan.FromSeconds(60));
            }
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
        }
        finally
        {
            Record();
            _process.Dispose();
        }
    }
}
