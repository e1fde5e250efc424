using Yarp.ReverseProxy.Forwarder;

namespace KahaProxy;

/// <summary>
/// The forwarder's client, with a short connect timeout: releases are on the same host's network and connect in
/// milliseconds, so a connect that hangs means the release is gone, and the request should fail over, not wait.
/// </summary>
public sealed class ReleaseHttpClientFactory : ForwarderHttpClientFactory
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        handler.ConnectTimeout = TimeSpan.FromSeconds(1);
    }
}
