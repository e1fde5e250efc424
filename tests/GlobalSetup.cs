using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

[SetUpFixture]
public sealed class GlobalSetup
{
    [OneTimeSetUp]
    public void BuildTheToolOnce()
    {
        var result = Tool.Run("--version");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
    }

    /// <summary>The swarm test classes share one swarm: the last class leaves it for the end of the run.</summary>
    [OneTimeTearDown]
    public void RemoveTheSharedSwarm() => SharedSwarm.Spent();

    /// <summary>Acceptance 6 over the whole run: no secret any test handed the tool appears in anything it printed.</summary>
    [OneTimeTearDown]
    public void NoSecretWasEverPrinted()
    {
        var transcript = Tool.Transcript;
        var leaked = Tool.KnownSecrets.Keys.Where(secret => transcript.Contains(secret, StringComparison.Ordinal)).ToList();
        Assert.That(leaked, Is.Empty, $"{leaked.Count} secret value(s) appeared in the tool's output during the test run");
    }
}
