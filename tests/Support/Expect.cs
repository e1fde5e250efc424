using NUnit.Framework;

namespace KahaDeploy.Tests.Support;

public static class Expect
{
    /// <summary>A refused command: a non-zero exit and exactly one "Error:" line holding every part.</summary>
    public static void OneErrorLine(ProcessResult result, params string[] expected)
    {
        Assert.That(result.ExitCode, Is.Not.EqualTo(0), result.ToString());
        Assert.That(result.ErrorLines, Has.Count.EqualTo(1), result.ToString());
        foreach (var part in expected)
        {
            Assert.That(result.ErrorLines[0], Does.Contain(part), result.ToString());
        }
    }
}
