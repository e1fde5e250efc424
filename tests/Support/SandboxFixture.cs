using NUnit.Framework;

namespace KahaDeploy.Tests.Support;

/// <summary>How long one sandbox lives: a single test, or every test of the class (tests that only read what set-up made).</summary>
public enum SandboxPer
{
    Test,
    Class,
}

/// <summary>
/// The life of a test class's sandbox: made before each test (or once for the class), with a Slack stand-in when the class
/// asks for one, and removed afterwards with every container, network and image it made, also when a test or the set-up
/// itself failed half-way. A class says what differs in <see cref="Prepare"/> and <see cref="Stop"/>.
/// </summary>
public abstract class SandboxFixture(SandboxPer per = SandboxPer.Test, bool withSlack = false)
{
    protected Sandbox Sandbox { get; private set; } = null!;

    /// <summary>The Slack stand-in; null unless the class was made <c>withSlack</c>.</summary>
    protected FakeSlack Slack { get; private set; } = null!;

    /// <summary>What the class's tests start from: its configuration, a backing Redis, a first deploy, stand-ins it starts.</summary>
    protected virtual void Prepare()
    {
    }

    /// <summary>Stops what <see cref="Prepare"/> started beside the sandbox (a listener, a registry); it may have failed half-way.</summary>
    protected virtual void Stop()
    {
    }

    [OneTimeSetUp]
    public void CreateSandboxForTheClass() => CreateFor(SandboxPer.Class);

    [SetUp]
    public void CreateSandboxForTheTest() => CreateFor(SandboxPer.Test);

    [TearDown]
    public void RemoveSandboxOfTheTest() => RemoveFor(SandboxPer.Test);

    [OneTimeTearDown]
    public void RemoveSandboxOfTheClass() => RemoveFor(SandboxPer.Class);

    private void CreateFor(SandboxPer level)
    {
        if (level != per)
        {
            return;
        }

        Slack = withSlack ? new FakeSlack() : null!;
        Sandbox = new Sandbox();
        Prepare();
    }

    // NUnit runs a tear-down whenever the set-up of its level ran, also when it threw: whatever exists is stopped.
    private void RemoveFor(SandboxPer level)
    {
        if (level != per)
        {
            return;
        }

        try
        {
            Stop();
        }
        finally
        {
            Sandbox?.Dispose();
            Slack?.Dispose();
        }
    }
}
