using System.Runtime.InteropServices;

namespace KahaDeploy.Services.Webhooks;

/// <summary>Ctrl-C or SIGTERM once: stop taking deliveries and let the running deploy finish. Twice: cut it.</summary>
public sealed class StopSignals : IDisposable
{
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _cut = new();
    private readonly PosixSignalRegistration[] _registrations;

    public StopSignals()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
        ];
    }

    /// <summary>Completes on the first signal.</summary>
    public Task Stopped => _stopped.Task;

    public CancellationToken Cutting => _cut.Token;

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true;
        if (!_stopped.TrySetResult())
        {
            _cut.Cancel();
        }
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _cut.Dispose();
    }
}
