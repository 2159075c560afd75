using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flamewatch.Operator.Admission;

/// <summary>
/// The HTTPS listener the API server calls (POST <see cref="Path"/>). A server of its own, apart from the plain-HTTP
/// health and metrics listener, so that its TLS (certificate chosen per handshake from
/// <see cref="ServingCertificateStore"/>) and its port stay independent of how the process hosts everything else.
/// </summary>
internal sealed class AdmissionWebhookServer(
    AdmissionHandler handler,
    ServingCertificateStore certificates,
    IOptions<WebhookOptions> options,
    ILogger<AdmissionWebhookServer> logger) : IHostedService, IAsyncDisposable
{
    public const string Path = "/mutate-pods";

    private WebApplication? _app;

    /// <summary>The bound address (e.g. https://127.0.0.1:41234), once started.</summary>
    public Uri? Url { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Parse(settings.ListenAddress), settings.Port, listen =>
            listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                // Read on every handshake: a renewed certificate is served without a restart. None yet: the handshake
                // fails, and the API server admits the pod unchanged (failurePolicy: Ignore).
                ServerCertificateSelector = (_, _) => certificates.Current,
            })));
        var app = builder.Build();
        app.MapPost(Path, async (HttpContext context) =>
        {
            var (status, body) = await handler.HandleAsync(context.Request.Body, context.RequestAborted).ConfigureAwait(false);
            context.Response.StatusCode = status;
            context.Response.ContentType = status == StatusCodes.Status200OK ? "application/json" : "text/plain; charset=utf-8";
            await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
        });
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Url = new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        Log.WebhookListening(logger, address + Path);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
