using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace KahaDeploy.Tests.Support;

/// <summary>A Kestrel server on 127.0.0.1 that hands every request to one handler, whatever its Host header says.</summary>
public sealed class LoopbackServer : IDisposable
{
    private readonly WebApplication _app;

    public LoopbackServer(RequestDelegate handle)
    {
        Port = FreePort.OnLoopback();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, Port));
        builder.Services.AddRoutingCore();
        _app = builder.Build();
        _app.Run(handle);
        _app.StartAsync().GetAwaiter().GetResult();
    }

    public int Port { get; }

    public void Dispose()
    {
        _app.StopAsync().GetAwaiter().GetResult();
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
