namespace KahaDeploy.Services;

/// <summary>
/// An <see cref="IProgress{T}"/> that calls its handler on the reporting thread, in order.
/// (<see cref="Progress{T}"/> posts each report to the thread pool, which reorders build output lines.)
/// </summary>
internal sealed class SyncProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
