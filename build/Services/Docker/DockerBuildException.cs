namespace KahaDeploy.Services.Docker;

/// <summary>An image build failed; the message is the build's error line (e.g. <c>The command '/bin/sh -c npm test' returned a non-zero code: 1</c>).</summary>
public sealed class DockerBuildException : DockerEngineException
{
    public DockerBuildException(string message)
        : base(message)
    {
    }

    public DockerBuildException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
