namespace KahaDeploy.Services.Docker;

/// <summary>A Docker operation failed; the message is one line saying what failed and the engine's reason.</summary>
public class DockerEngineException : Exception
{
    public DockerEngineException(string message)
        : base(message)
    {
    }

    public DockerEngineException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
