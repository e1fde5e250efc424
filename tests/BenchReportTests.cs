using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// Issue 18: the zero-downtime bench's report (bench/zero-downtime/report.py) is tested on recorded run data by its own
/// Python tests; this runs them with the other tests, so that the README's test command and CI cover every branch of it.
/// </summary>
public sealed class BenchReportTests
{
    [Test]
    public void The_zero_downtime_reports_python_tests_pass()
    {
        var result = Shell.Run("python3", ["-m", "unittest", "-v", "test_report"], Path.Combine(Repo.Root, "bench", "zero-downtime"),
            new Dictionary<string, string?> { ["PYTHONDONTWRITEBYTECODE"] = "1" }, TimeSpan.FromMinutes(2));

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(result.StdErr, Does.Match(@"Ran [1-9]\d* tests").And.Contain("\nOK"), result.StdErr);
    }
}
