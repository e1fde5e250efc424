using System.Runtime.InteropServices;
using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Host;

/// <summary>
/// Ctrl-C or SIGTERM during a run that changes an environment. The first signal asks the run to stop at its next
/// cancellation point (a task boundary, or a wait that looks at <see cref="Token"/>), except while traffic may move:
/// that section runs to its end first, so the route and the names never disagree. A second signal stops at once.
/// </summary>
public sealed class Interruption(ICakeLog log) : IDisposable
{
    private readonly CancellationTokenSource _requested = new();
    private readonly object _gate = new();
    private PosixSignalRegistration[] _registrations = [];
    private Action<string>? _stopAtOnce;
    private bool _trafficMoving;

    /// <summary>SIGINT or SIGTERM once one has arrived.</summary>
    public string? Signal { get; private set; }

    public bool Requested => _requested.IsCancellationRequested;

    /// <summary>Cancelled by the first signal, for waits that can stop early without leaving anything half-done.</summary>
    public CancellationToken Token => _requested.Token;

    /// <summary>The task running now, for the messages.</summary>
    public string? CurrentTask { get; set; }

    /// <summary>Takes over SIGINT and SIGTERM; <paramref name="stopAtOnce"/> runs on the second signal, before the process ends.</summary>
    public void Listen(Action<string> stopAtOnce)
    {
        _stopAtOnce = stopAtOnce;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
        ];
    }

    /// <summary>From here until <see cref="TrafficSettled"/>, a signal waits: the route and the names change together.</summary>
    public void TrafficMoves()
    {
        lock (_gate)
        {
            _trafficMoving = true;
        }
    }

    public void TrafficSettled()
    {
        lock (_gate)
        {
            _trafficMoving = false;
        }
    }

    /// <summary>Stops the run here when a signal came and no traffic is moving.</summary>
    public void StopIfRequested(string where)
    {
        lock (_gate)
        {
            if (Requested && !_trafficMoving)
            {
                throw new RunInterruptedException($"Interrupted by {Signal} before {where}.");
            }
        }
    }

    private void Handle(PosixSignalContext context)
    {
        var signal = context.Signal == PosixSignal.SIGTERM ? "SIGTERM" : "SIGINT";
        lock (_gate)
        {
            if (!Requested)
            {
                // The run stops by itself at its next cancellation point; the runtime must not end the process.
                context.Cancel = true;
                Signal = signal;
                log.Warning(_trafficMoving
                    ? "{0}: traffic is moving, so {1} finishes the switch first, then the run stops; a second {0} stops at once."
                    : "{0}: the run stops after {1} and undoes what it started; a second {0} stops at once.",
                    signal, CurrentTask ?? "this step");
                _requested.Cancel();
                return;
            }
        }

        // The second signal: the runtime's default handling ends the process once this returns.
        _stopAtOnce?.Invoke(signal);
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }
}
