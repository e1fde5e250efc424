using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace KahaDeploy.Tests.Support;

/// <summary>
/// The dashboard as its users run it, ./build.sh --target=Dashboard, on a free loopback port of the sandbox's config,
/// with its password in the environment like the other secrets; killed (with any rollback it started) at the end.
/// </summary>
public sealed class DashboardProcess : IDisposable
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly Tool.Running _tool;

    private DashboardProcess(Tool.Running tool, Uri url)
    {
        _tool = tool;
        Url = url;
    }

    public Uri Url { get; }

    public string Output => _tool.Output;

    /// <summary>The dashboard section for the sandbox's config: a free port, the password from DASHBOARD_PASSWORD (set in its secrets).</summary>
    public static JsonObject Section(Sandbox sandbox, int port)
    {
        sandbox.Secrets["DASHBOARD_PASSWORD"] = "dash-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        return new JsonObject { ["port"] = port, ["password"] = "${DASHBOARD_PASSWORD}", ["lockWaitSeconds"] = 120 };
    }

    public static DashboardProcess Start(Sandbox sandbox, int port)
    {
        var dashboard = new DashboardProcess(sandbox.StartTool("--target=Dashboard"), new Uri($"http://127.0.0.1:{port}/"));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!dashboard.Answers())
        {
            if (DateTime.UtcNow > deadline || dashboard._tool.WaitForExit(TimeSpan.FromMilliseconds(200)))
            {
                var output = dashboard.Output;
                dashboard.Dispose();
                throw new InvalidOperationException($"the dashboard did not answer on port {port}:\n{output}");
            }
        }

        return dashboard;
    }

    private bool Answers()
    {
        try
        {
            using var answer = Client.GetAsync(new Uri(Url, "signin")).GetAwaiter().GetResult();
            return answer.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => _tool.Dispose();
}
