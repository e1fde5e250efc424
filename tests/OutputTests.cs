using System.Text.RegularExpressions;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>Issue 10, §5: output a person can read. Tables fit the terminal, a file gets plain rows, a deploy ends with one line.</summary>
[NonParallelizable]
public sealed partial class OutputTests() : SandboxFixture(SandboxPer.Class)
{
    private ProcessResult _secondDeploy = null!;
    private string _v1 = null!;
    private string _v2 = null!;

    protected override void Prepare()
    {
        Sandbox.WriteConfig();
        var first = Sandbox.Tool("--target=Deploy", "--env=dev");
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        _v1 = Sandbox.Git(Sandbox.Checkout, "rev-parse", "HEAD")[..12];
        _v2 = Sandbox.CommitInCheckout("second release", dir => File.AppendAllText(Path.Combine(dir, "README.md"), "\nsecond\n"))[..12];
        _secondDeploy = Sandbox.Tool("--target=Deploy", "--env=dev");
        Assert.That(_secondDeploy.ExitCode, Is.EqualTo(0), _secondDeploy.ToString());
    }

    [TestCase(80)]
    [TestCase(200)]
    public void Status_fits_the_terminal_with_each_row_on_one_line(int columns)
    {
        var result = Terminal.Run(columns, ["--target=Status", "--env=dev", $"--config={Sandbox.ConfigFile}"], Sandbox.Secrets);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var lines = Lines(result.StdOut);
        Assert.That(lines.Where(l => l.Length > columns), Is.Empty, $"lines wider than {columns} columns:\n{result.StdOut}");
        Assert.That(lines.Any(l => IsRow(l, Sandbox.DevContainer, _v2, "running", "healthy")), Is.True, $"the live release on one line:\n{result.StdOut}");
        Assert.That(lines.Any(l => IsRow(l, Sandbox.DevContainer + "_previous", _v1, "exited")), Is.True, $"the previous one on one line:\n{result.StdOut}");
        Assert.That(string.Join('\n', lines), Does.Contain(Sandbox.DevUrl.ToString()), "the address is shown, in the table or under it");
        if (columns >= 200)
        {
            Assert.That(lines.Any(l => IsRow(l, Sandbox.DevContainer, _v2, "running", "healthy", Sandbox.DevUrl.ToString())), Is.True,
                $"a wide terminal has room for the whole row:\n{result.StdOut}");
        }
    }

    [Test]
    public void Status_piped_to_a_file_has_no_escape_codes_and_unbroken_rows()
    {
        // Colour allowed by the environment (no NO_COLOR, a colour TERM): only the redirection may turn it off.
        var result = Tool.Run(["--target=Status", "--env=dev", $"--config={Sandbox.ConfigFile}"],
            new Dictionary<string, string?>(Sandbox.Secrets) { ["NO_COLOR"] = null, ["TERM"] = "xterm-256color", ["COLUMNS"] = "80" });

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        // A char search: a culture-aware substring search ignores control characters and would find ESC everywhere.
        Assert.That(result.All.Contains('\u001b'), Is.False, result.ToString().Replace("\u001b", "<ESC>"));
        Assert.That(Lines(result.StdOut).Any(l => IsRow(l, Sandbox.DevContainer, _v2, "running", "healthy", Sandbox.DevUrl.ToString())), Is.True,
            $"a file gets every cell of a row on one line:\n{result.StdOut}");
    }

    [Test]
    public void History_piped_to_a_file_shows_each_run_on_one_line()
    {
        var result = Sandbox.Tool("--target=History", "--env=dev");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(Lines(result.StdOut).Count(l => Regex.IsMatch(l, $@"\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d\s.*\sDeploy\s.*\s{_v2}\s.*\(cli\).*\ssucceeded\s")),
            Is.EqualTo(1), result.ToString());
    }

    [Test]
    public void A_deploy_ends_with_one_line_saying_what_is_live()
    {
        var output = _secondDeploy.StdOut;
        var last = Lines(output).Last(l => l.Trim().Length > 0);

        Assert.That(last, Does.Match(
            $@"^{Regex.Escape(Sandbox.AppName)} dev: {_v2} is live at {Regex.Escape(Sandbox.DevUrl.ToString())} \(deployed in \d+\.\d s; previous {_v1} is kept stopped as {Sandbox.DevContainer}_previous\)$"),
            _secondDeploy.ToString());
        Assert.That(output, Does.Not.Contain("════").And.Not.Contain("Duration"), "no task banners or report table at normal verbosity");
        Assert.That(output, Does.Contain("Step 1/").And.Not.Contain(" ---> "), "an image build shows a line per step, without the builder's layer ids");
        Assert.That(Lines(output.TrimEnd()).Count(l => l.Trim().Length == 0), Is.Zero, "no blank lines at normal verbosity");
    }

    [Test]
    public void The_task_report_is_still_there_at_verbose()
    {
        var result = Sandbox.Tool("--target=Rollback", "--env=dev", "--verbosity=verbose");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.StdOut, Does.Contain("Duration").And.Contain("RestorePrevious").And.Contain("Total:"));
        Assert.That(result.StdOut, Does.Contain($"{Sandbox.AppName} dev: {_v1} is live at {Sandbox.DevUrl} (rolled back in"));
    }

    [Test]
    public void A_long_health_wait_says_every_few_seconds_what_the_app_last_answered()
    {
        using var sandbox = new Sandbox();
        sandbox.WriteConfig(adjust: config =>
        {
            config["environments"]!["dev"]!["env"] = new System.Text.Json.Nodes.JsonObject { ["FAIL_HEALTH"] = "1" };
            config["environments"]!["dev"]!["healthTimeoutSeconds"] = 8;
        });

        var result = sandbox.Tool("--target=Deploy", "--env=dev");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        var waiting = Lines(result.StdOut).Where(l => l.StartsWith($"Still waiting for {sandbox.DevUrl}healthz to answer 200", StringComparison.Ordinal)).ToList();
        Assert.That(waiting, Has.Count.InRange(1, 2), result.ToString());
        Assert.That(waiting[0], Does.EndWith("of 8; last answer: 500)."));
        Assert.That(result.ErrorLines, Has.Count.EqualTo(1), "a failure still ends with its one Error: line");
    }

    private static bool IsRow(string line, params string[] cells) =>
        cells.All(cell => Regex.IsMatch(line, $@"(^|\s){Regex.Escape(cell)}(\s|$)"));

    /// <summary>The lines as a person sees them: terminal control sequences removed.</summary>
    private static List<string> Lines(string text) =>
        EscapeSequence().Replace(text, "").Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd('\r')).ToList();

    [GeneratedRegex(@"\u001b(\[[0-9;?]*[A-Za-z]|[=>])")]
    private static partial Regex EscapeSequence();
}
