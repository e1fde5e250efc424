using System.Runtime.InteropServices;

namespace KahaDeploy.Services.Webhooks;

/// <summary>Ctrl-C or SIGTERM once: stop taking deliveries and let the running deploy finish. Twice: cut it.</summary>
public sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
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

    public CancellationToken Stopping => _stop.Token;

    public CancellationToken Cutting => _cut.Token;

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true;
        (_stop.IsCancellationRequested ? _cut : _stop).Cancel();
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _stop.Dispose();
        _cut.Dispose();
    }
}
