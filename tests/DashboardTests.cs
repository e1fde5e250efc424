using System.Text.Json.Nodes;
using KahaDeploy.Tests.Support;
using Microsoft.Playwright;
using Microsoft.Playwright.NUnit;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// Issue 16: the dashboard in a real browser (Debian's chromium, driven by Playwright; no browser is downloaded), served by
/// the Dashboard target over a sandbox with prod behind the proxy. Every request the browser makes goes to the loopback.
/// </summary>
[NonParallelizable]
public sealed class DashboardTests : PlaywrightTest
{
    private static readonly TimeSpan DeployTime = TimeSpan.FromMinutes(3);

    private Sandbox _sandbox = null!;
    private FakeSlack _slack = null!;
    private DashboardProcess? _dashboard;
    private ListenerProcess? _listener;
    private int _port;
    private IBrowser? _browser;
    private IBrowserContext _context = null!;
    private IPage _page = null!;
    private readonly List<string> _requested = [];

    [SetUp]
    public async Task StartBrowser()
    {
        _slack = new FakeSlack();
        _sandbox = new Sandbox();
        _port = FreePort.OnLoopback();
        _browser = await BrowserType.LaunchAsync(new() { ExecutablePath = Chromium(), Headless = true });
        _context = await _browser.NewContextAsync(new() { ViewportSize = new() { Width = 1100, Height = 760 }, BaseURL = $"http://127.0.0.1:{_port}/" });
        _page = await _context.NewPageAsync();
        _page.Request += (_, request) =>
        {
            lock (_requested)
            {
                _requested.Add(request.Url);
            }
        };
    }

    [TearDown]
    public async Task StopDashboardAndBrowser()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
            _browser = null;
        }

        // One instance runs every test of the fixture: what this test started goes, and is forgotten.
        _dashboard?.Dispose();
        _dashboard = null;
        _listener?.Dispose();
        _listener = null;
        _sandbox.Dispose();
        _slack.Dispose();
        lock (_requested)
        {
            Assert.That(_requested, Has.All.StartWith("http://127.0.0.1:"), "the page loads nothing from outside: it works air-gapped");
            _requested.Clear();
        }
    }

    [Test]
    public async Task A_signed_in_user_sees_the_live_release_watches_a_deploy_rolls_back_and_deploys_again_through_the_buttons_recorded_as_theirs()
    {
        StartDashboard();
        _sandbox.StartBackingRedis();
        var first = Sandbox.Git(_sandbox.Author, "rev-parse", "HEAD");
        Deploy();
        await SignInAsync("Dana Ops");
        var session = (await _context.CookiesAsync()).Single(c => c.Name == "kaha_session");
        Assert.That((session.HttpOnly, session.SameSite), Is.EqualTo((true, SameSiteAttribute.Strict)));

        var prod = _page.Locator("section.card:has(h2 a[href='/env/prod'])");
        await Expect(prod.Locator(".live")).ToContainTextAsync(first[..12]);
        await Expect(prod.Locator(".live")).ToContainTextAsync("sample app");
        await Expect(prod.Locator(".health")).ToHaveTextAsync("healthy");

        // A deploy from the command line: its progress shows on the open page, then its release as the live one, without a reload.
        var second = _sandbox.PushChange("release two");
        using (var deploy = _sandbox.StartTool("--target=Deploy", "--env=prod"))
        {
            await Expect(prod.Locator(".running")).ToContainTextAsync("Deploy", new() { Timeout = 60_000 });
            await Expect(prod.Locator(".running .progress")).Not.ToBeEmptyAsync();
            Assert.That(deploy.WaitForExit(DeployTime), Is.True, "the deploy ended");
            Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.Output);
        }

        await Expect(prod.Locator(".live")).ToContainTextAsync(second[..12], new() { Timeout = 30_000 });
        await Expect(prod.Locator(".running")).ToHaveCountAsync(0);
        // The release it replaced is the warm standby, until its window ends (standbySeconds 600 here).
        await Expect(prod.Locator(".standby")).ToContainTextAsync(first[..12]);
        await Expect(prod.Locator(".standby")).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"warm until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"));
        await Screenshot("dashboard-overview.png");

        // The Rollback button asks first, naming what will change.
        await _page.GotoAsync("env/prod");
        await Screenshot("dashboard-environment.png");
        await ConfirmRollbackToAsync(first, second);

        // Without its CSRF token the form is refused and nothing changes.
        await _page.EvaluateAsync("document.querySelector('main form input[name=csrf]').remove()");
        var refused = await SubmitAsync(_page.GetByRole(AriaRole.Button, new() { Name = $"Roll back prod to {first[..12]}" }));
        Assert.That(refused.Status, Is.EqualTo(403));
        await Expect(_page.Locator(".error")).ToContainTextAsync("Error: the form carried no CSRF token");
        Assert.That(Http.CommitAt(_sandbox.ProdUrl), Is.EqualTo(second));

        // Confirmed, to the warm standby: switched by the dashboard itself, under the lock, with no tool started for it, and
        // recorded as the Rollback target records it: the signed-in name, the dashboard as trigger, Slack told.
        await _page.GotoAsync("env/prod");
        await ConfirmRollbackToAsync(first, second);
        var to = await _page.Locator("main input[name=to]").InputValueAsync();
        var csrf = await _page.Locator("main input[name=csrf]").InputValueAsync();
        var confirmed = await SubmitAsync(_page.GetByRole(AriaRole.Button, new() { Name = $"Roll back prod to {first[..12]}" }));
        Assert.That(confirmed.Status, Is.EqualTo(303), "answered with the environment's page");
        var history = _page.Locator("table.runs tbody tr").First;
        await Expect(history).ToContainTextAsync("Rollback", new() { Timeout = 120_000 });
        await Expect(history).ToContainTextAsync("succeeded", new() { Timeout = 120_000 });
        await Expect(history).ToContainTextAsync("Dana Ops (dashboard)");
        Assert.That(Http.CommitAt(_sandbox.ProdUrl), Is.EqualTo(first));
        var run = HistoryJson().Last();
        Assert.That((run["target"]!.GetValue<string>(), run["performer"]!.GetValue<string>(), run["trigger"]!.GetValue<string>()),
            Is.EqualTo(("Rollback", "Dana Ops", "dashboard")));
        Assert.That(_dashboard!.Output, Does.Contain($"switched to the warm standby {first[..12]} in this process"));
        Assert.That(ChildLogs(), Is.Empty, "no tool ran for the rollback");
        Assert.That(_slack.Messages.Last()["text"]!.GetValue<string>(), Does.Contain($"rollback to prod succeeded: version {first[..12]}, by Dana Ops (dashboard)"));
        Assert.That(StatusJson.Of(_sandbox, "prod"), Is.EqualTo(new StatusJson(first[..12], "running", second[..12], "running", "healthy")),
            "the names followed the route: the replaced release is the warm standby");

        // The same form sent again is refused: no second rollback.
        var form = _context.APIRequest.CreateFormData();
        form.Set("to", to);
        form.Set("csrf", csrf);
        var replay = await _context.APIRequest.PostAsync("env/prod/rollback", new() { Form = form, MaxRedirects = 0 });
        Assert.That(replay.Status, Is.EqualTo(403));
        Assert.That(await replay.TextAsync(), Does.Contain("Error: this form was already submitted"));
        Assert.That(HistoryJson().Count(r => r["target"]!.GetValue<string>() == "Rollback"), Is.EqualTo(1));

        // The last deploy again, confirmed: the same commit as a new release, recorded as the dashboard's.
        await _page.GotoAsync("env/prod");
        await _page.GetByRole(AriaRole.Button, new() { Name = $"Deploy {second[..12]} again" }).ClickAsync();
        await Expect(_page.Locator("h1")).ToHaveTextAsync("Deploy prod again?");
        var redeploy = await SubmitAsync(_page.GetByRole(AriaRole.Button, new() { Name = $"Deploy {second[..12]} to prod again" }));
        Assert.That(redeploy.Status, Is.EqualTo(303));
        await Expect(history).ToContainTextAsync("Deploy", new() { Timeout = 60_000 });
        await Expect(history).ToContainTextAsync("succeeded", new() { Timeout = 120_000 });
        await Expect(history).ToContainTextAsync("Dana Ops (dashboard)");
        Assert.That(Http.CommitAt(_sandbox.ProdUrl), Is.EqualTo(second));

        // A standby that is not warm (stopped): the Rollback target runs as a child, as before.
        Shell.Must("docker", "stop", "--time=1", _sandbox.ProdContainer + "_previous");
        await _page.GotoAsync("env/prod");
        await ConfirmRollbackToAsync(first, second);
        Assert.That((await SubmitAsync(_page.GetByRole(AriaRole.Button, new() { Name = $"Roll back prod to {first[..12]}" }))).Status, Is.EqualTo(303));
        await Expect(history).ToContainTextAsync("Rollback", new() { Timeout = 120_000 });
        await Expect(history).ToContainTextAsync("succeeded", new() { Timeout = 120_000 });
        Assert.That(Http.CommitAt(_sandbox.ProdUrl), Is.EqualTo(first));
        Assert.That(ChildLogs().Count(log => File.ReadAllText(log).Contains("Rollback of prod by Dana Ops (dashboard)")), Is.EqualTo(1), "the Rollback target ran");
        Assert.That(await _page.ContentAsync(), Does.Not.Contain(_sandbox.Secrets["DASHBOARD_PASSWORD"]!));
    }

    /// <summary>The output files of the tools the dashboard started.</summary>
    private string[] ChildLogs()
    {
        var folder = Path.Combine(_sandbox.Folder, ".deploy", "dashboard");
        return Directory.Exists(folder) ? Directory.GetFiles(folder, "a-*.log") : [];
    }

    [Test]
    public async Task Pages_need_sign_in_and_a_wrong_password_a_missing_token_and_too_many_tries_are_refused()
    {
        StartDashboard();
        var signInPage = await _page.GotoAsync("");
        Assert.That(_page.Url, Does.EndWith("/signin"), "the overview needs sign-in unless dashboard.public");
        var csp = signInPage!.Headers["content-security-policy"];
        Assert.That(csp, Does.Contain("script-src 'self'").And.Contain("frame-ancestors 'none'").And.Not.Contain("unsafe-inline"));
        Assert.That(signInPage.Headers["referrer-policy"], Is.EqualTo("no-referrer"));

        await _page.GetByLabel("Your name").FillAsync("Mallory");
        await _page.GetByLabel("Password").FillAsync("not-the-password");
        var wrong = await SubmitAsync(_page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }));
        Assert.That(wrong.Status, Is.EqualTo(401));
        await Expect(_page.Locator(".error")).ToHaveTextAsync("Error: wrong password; use dashboard.password from the server's secrets.");
        Assert.That((await _context.CookiesAsync()).Select(c => c.Name), Has.No.Member("kaha_session"));

        // The right password without the sign-in form's token: refused, no session.
        var withoutToken = _context.APIRequest.CreateFormData();
        withoutToken.Set("name", "Mallory");
        withoutToken.Set("password", _sandbox.Secrets["DASHBOARD_PASSWORD"]!);
        var noToken = await _context.APIRequest.PostAsync("signin", new() { Form = withoutToken, MaxRedirects = 0 });
        Assert.That(noToken.Status, Is.EqualTo(403));
        Assert.That((await _context.CookiesAsync()).Select(c => c.Name), Has.No.Member("kaha_session"));

        // A body that is no form is refused as such, not with a server error.
        var json = await _context.APIRequest.PostAsync("signin", new() { DataObject = new { name = "Mallory" }, MaxRedirects = 0 });
        Assert.That(json.Status, Is.EqualTo(415));

        // Four more wrong guesses make five in a minute: then even the right password waits.
        for (var guess = 0; guess < 4; guess++)
        {
            Assert.That((await PostSignInAsync("guess-" + guess)).Status, Is.EqualTo(401));
        }

        var limited = await PostSignInAsync(_sandbox.Secrets["DASHBOARD_PASSWORD"]!);
        Assert.That(limited.Status, Is.EqualTo(429));
        Assert.That(limited.Headers, Does.ContainKey("retry-after"));
        Assert.That(await limited.TextAsync(), Does.Contain("Error: too many failed sign-ins from this address"));
        Assert.That((await _context.CookiesAsync()).Select(c => c.Name), Has.No.Member("kaha_session"));
    }

    [Test]
    public async Task Listen_serves_the_dashboard_on_its_own_port_with_the_recent_deliveries()
    {
        var secret = ListenerConfig.NewSecret("gh");
        _sandbox.WriteConfig(_slack.WebhookUrl, config =>
        {
            config["listener"] = ListenerConfig.GitHub(_sandbox, secret);
            config["dashboard"] = DashboardProcess.Section(_sandbox, _port);
        });
        _listener = ListenerProcess.Start(_sandbox, FreePort.OnLoopback());
        var ping = new FakeGitHub(_listener.Url, secret).Send("ping", """{"zen":"Keep it logically awesome.","hook_id":424242}"""u8.ToArray(), delivery: "ping-0001");
        Assert.That(ping.Status, Is.EqualTo(200), ping.ToString());

        await SignInAsync("Dana Ops");
        await Expect(_page.Locator("table.deliveries")).ToContainTextAsync("ping-0001");
        using var hooks = new HttpClient();
        Assert.That((int)(await hooks.GetAsync(_listener.Url)).StatusCode, Is.EqualTo(404), "the hooks' port serves no page");
    }

    [Test]
    public void Without_a_dashboard_section_or_with_a_short_password_the_dashboard_does_not_start()
    {
        _sandbox.WriteConfig(_slack.WebhookUrl);
        Support.Expect.OneErrorLine(_sandbox.Tool("--target=Dashboard"), "there is no \"dashboard\" section", "\"password\": \"${DASHBOARD_PASSWORD}\"");

        _sandbox.WriteConfig(_slack.WebhookUrl, config => config["dashboard"] = DashboardProcess.Section(_sandbox, _port));
        _sandbox.Secrets["DASHBOARD_PASSWORD"] = "Qz7-x1";
        Support.Expect.OneErrorLine(_sandbox.Tool("--target=Dashboard"), "dashboard.password is shorter than 12 characters", "openssl rand");
        _sandbox.Secrets.Remove("DASHBOARD_PASSWORD");
        Support.Expect.OneErrorLine(_sandbox.Tool("--target=Dashboard"), "DASHBOARD_PASSWORD");
    }

    private void StartDashboard()
    {
        _sandbox.WriteConfig(_slack.WebhookUrl, config =>
        {
            var prod = config["environments"]!["prod"]!;
            prod["healthTimeoutSeconds"] = 10;
            prod["proxy"] = new JsonObject { ["enabled"] = true, ["healthyInARow"] = 2, ["drainSeconds"] = 0, ["standbySeconds"] = 600, ["warmupRequests"] = 20 };
            config["dashboard"] = DashboardProcess.Section(_sandbox, _port);
        });
        _dashboard = DashboardProcess.Start(_sandbox, _port);
    }

    private static string Chromium() =>
        Environment.GetEnvironmentVariable("CHROMIUM") ?? new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("no chromium: apt-get install -y chromium (.ci/run does)");

    private async Task SignInAsync(string name)
    {
        await _page.GotoAsync("signin");
        await _page.GetByLabel("Your name").FillAsync(name);
        await _page.GetByLabel("Password").FillAsync(_sandbox.Secrets["DASHBOARD_PASSWORD"]!);
        await _page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(_page.Locator("header .who")).ToContainTextAsync($"Signed in as {name}");
    }

    /// <summary>A sign-in POST with the form's own token (read from its cookie), as the browser would send it.</summary>
    private async Task<IAPIResponse> PostSignInAsync(string password)
    {
        await _page.GotoAsync("signin");
        var form = _context.APIRequest.CreateFormData();
        form.Set("name", "Mallory");
        form.Set("password", password);
        form.Set("csrf", await _page.Locator("input[name=csrf]").InputValueAsync());
        return await _context.APIRequest.PostAsync("signin", new() { Form = form, MaxRedirects = 0 });
    }

    private async Task ConfirmRollbackToAsync(string to, string live)
    {
        await _page.GetByRole(AriaRole.Button, new() { Name = $"Roll back to {to[..7]}" }).ClickAsync();
        await Expect(_page.Locator("h1")).ToHaveTextAsync("Roll back prod?");
        await Expect(_page.Locator("dl.facts")).ToContainTextAsync(live[..12]);
        await Expect(_page.Locator("dl.facts")).ToContainTextAsync(to[..12]);
    }

    /// <summary>Clicks a submit button and returns the answer to its POST (before any redirect is followed).</summary>
    private Task<IResponse> SubmitAsync(ILocator button) =>
        _page.RunAndWaitForResponseAsync(() => button.ClickAsync(), response => response.Request.Method == "POST");

    /// <summary>
    /// The README's screenshots: taken every run (into the test's output), written over docs/ only with UPDATE_SCREENSHOTS=1,
    /// so that running the tests does not leave the checkout changed.
    /// </summary>
    private Task Screenshot(string name) =>
        _page.ScreenshotAsync(new()
        {
            Path = Environment.GetEnvironmentVariable("UPDATE_SCREENSHOTS") == "1"
                ? Path.Combine(Repo.Root, "docs", name)
                : Path.Combine(TestContext.CurrentContext.WorkDirectory, name),
            FullPage = true,
        });

    private void Deploy()
    {
        var deploy = _sandbox.Tool("--target=Deploy", "--env=prod");
        Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.ToString());
    }

    private List<JsonObject> HistoryJson()
    {
        var history = _sandbox.Tool("--target=History", "--env=prod", "--json");
        Assert.That(history.ExitCode, Is.EqualTo(0), history.ToString());
        return JsonNode.Parse(history.StdOut)!["runs"]!.AsArray().Select(r => r!.AsObject()).ToList();
    }
}
