namespace KahaDeploy.Frosting;

/// <summary>A mistake in how the host was put together (e.g. a dependency on a type that is no task).</summary>
public sealed class FrostingException : Exception
{
    public FrostingException(string message)
        : base(message)
    {
    }

    public FrostingException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
