using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Flamewatch.TestKit.ApiServer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flamewatch.TestKit.Webhooks;

/// <summary>
/// An HTTPS admission webhook on 127.0.0.1 whose answer a test decides: it receives each AdmissionReview's
/// <c>request</c> and returns the <c>response</c> (uid filled in when missing). Its certificate is self-signed; put
/// <see cref="CaBundle"/> in the webhook configuration.
/// </summary>
public sealed class FakeWebhook : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly System.Security.Cryptography.X509Certificates.X509Certificate2 _certificate;

    private FakeWebhook(WebApplication app, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        _app = app;
        _certificate = certificate;
    }

    /// <summary>Base URL, e.g. https://127.0.0.1:40123/.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>base64 of the certificate's PEM, as clientConfig.caBundle wants it.</summary>
    public string CaBundle => Convert.ToBase64String(Encoding.ASCII.GetBytes(_certificate.ExportCertificatePem()));

    /// <summary>Every AdmissionReview request received.</summary>
    public ConcurrentQueue<JsonObject> Requests { get; } = new();

    /// <param name="respond">request → response (uid may be left out).</param>
    /// <param name="dnsNames">Further names the certificate covers (e.g. <c>svc.ns.svc</c> for a Service-addressed webhook).</param>
    public static async Task<FakeWebhook> StartAsync(Func<JsonObject, Task<JsonObject>> respond, params string[] dnsNames)
    {
        var certificate = ServingCertificate.Create(dnsNames);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        var webhook = new FakeWebhook(app, certificate);
        app.MapPost("/{**path}", async (HttpContext context) =>
        {
            var review = (await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))!.AsObject();
            var request = review["request"]!.AsObject();
            webhook.Requests.Enqueue(request);
            var response = await respond(request);
            response["uid"] ??= request["uid"]!.GetValue<string>();
            await context.Response.WriteAsJsonAsync(new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["response"] = response }, context.RequestAborted);
        });
        await app.StartAsync();
        webhook.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("localhost", "127.0.0.1", StringComparison.Ordinal) + "/");
        return webhook;
    }

    /// <summary>A response that allows the object and applies <paramref name="operations"/> (a JSON patch).</summary>
    public static JsonObject Patch(JsonArray operations) => new()
    {
        ["allowed"] = true,
        ["patchType"] = "JSONPatch",
        ["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(operations.ToJsonString())),
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _certificate.Dispose();
    }
}
