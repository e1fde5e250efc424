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
}
