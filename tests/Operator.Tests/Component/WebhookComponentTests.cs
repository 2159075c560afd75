using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Flamewatch.Contracts;
using Flamewatch.Operator.Admission;
using Flamewatch.TestKit;
using Flamewatch.TestKit.Processes;
using Flamewatch.TestKit.Webhooks;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Flamewatch.Operator.Tests.Component;

/// <summary>
/// The operator's pod admission webhook against the test API server, which calls it as kube-apiserver would; pods are
/// created with the real kubectl.
/// </summary>
public sealed class WebhookComponentTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(90);

    internal static string[] WebhookArgs => ["--webhook", "true", "--webhook-port", "0", "--Webhook:ListenAddress", "127.0.0.1", "--webhook-additional-names", "127.0.0.1", "--Webhook:RefreshInterval", "00:00:01"];

    internal static string WebhookConfiguration(Uri url) => PodWebhookConfiguration.ForUrl(new Uri(url, AdmissionWebhookServer.Path), timeoutSeconds: 2);

    private const string Profile = """
        apiVersion: flamewatch.io/v1alpha1
        kind: ContinuousProfile
        metadata: {name: checkout, namespace: shop}
        spec:
          selector: {matchLabels: {app: checkout}}
          samplingFrequency: 50
        """;

    [Fact]
    public async Task Pods_created_with_kubectl_after_a_profile_exists_start_with_the_sampling_rate_and_pods_are_created_while_the_webhook_is_down()
    {
        Assert.True(KubectlCli.IsInstalled, "tools/bin/kubectl is missing: run `make deps` first");
        using var cts = new CancellationTokenSource(TestTimeout);
        var ct = cts.Token;
        await using var h = await OperatorHarness.StartAsync(ct);
        var (host, metricsUrl) = await h.StartOperatorAsync(ct, WebhookArgs);
        var webhookUrl = host.Services.GetRequiredService<AdmissionWebhookServer>().Url!;
        await KubectlAsync(h, WebhookConfiguration(webhookUrl), ct, "apply", "-f", "-");

        // The leader issues the certificate into the Secret and publishes its CA in the configuration.
        await OperatorHarness.EventuallyAsync(
            async () => (await h.Client.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync("flamewatch-operator", cancellationToken: ct)).Webhooks[0].ClientConfig.CaBundle is { Length: > 0 },
            "the leader writes the caBundle",
            ct);
        var secret = await h.Client.CoreV1.ReadNamespacedSecretAsync("flamewatch-webhook-tls", "default", cancellationToken: ct);
        Assert.Equal("kubernetes.io/tls", secret.Type);

        await KubectlAsync(h, Profile, ct, "apply", "-f", "-");
        await h.WaitForConditionAsync("checkout", "Ready", c => c is not null, "the profile is seen by the operator", ct);

        await KubectlAsync(h, null, ct, "run", "checkout-1", "-n", "shop", "--image=example/checkout:1", "--labels=app=checkout", "--env=OTHER=1");
        await KubectlAsync(h, null, ct, "run", "cart-1", "-n", "shop", "--image=example/cart:1", "--labels=app=cart");

        var checkout = await h.Client.CoreV1.ReadNamespacedPodAsync("checkout-1", "shop", cancellationToken: ct);
        var env = checkout.Spec.Containers[0].Env.ToDictionary(e => e.Name, e => e.Value);
        Assert.Equal("14", env["DOTNET_EventPipeThreadSamplingRate"]);
        Assert.Equal("1", env["OTHER"]);
        Assert.Equal("14", checkout.Metadata.Annotations[FlamewatchAnnotations.SamplingRateInjected]);
        var cart = await h.Client.CoreV1.ReadNamespacedPodAsync("cart-1", "shop", cancellationToken: ct);
        Assert.DoesNotContain(cart.Spec.Containers[0].Env ?? [], e => e.Name == "DOTNET_EventPipeThreadSamplingRate");
        Assert.False(cart.Metadata.Annotations?.ContainsKey(FlamewatchAnnotations.SamplingRateInjected) == true);

        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri(metricsUrl, "/metrics"), ct);
        Assert.Contains("flamewatch_webhook_admissions_total{outcome=\"injected\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("flamewatch_webhook_admissions_total{outcome=\"not_selected\"} 1\n", metrics, StringComparison.Ordinal);

        // A request that is no AdmissionReview is refused with 400 (the API server then admits unchanged) and counted.
        using var raw = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } });
        using var garbage = await raw.PostAsync(new Uri(webhookUrl, AdmissionWebhookServer.Path), new StringContent("{\"kind\":", Encoding.UTF8, "application/json"), ct);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Contains("flamewatch_webhook_admissions_total{outcome=\"error\"} 1\n", await http.GetStringAsync(new Uri(metricsUrl, "/metrics"), ct), StringComparison.Ordinal);

        // The webhook goes away: pods are still created, unchanged.
        await h.StopOperatorAsync(host);
        await KubectlAsync(h, null, ct, "run", "checkout-2", "-n", "shop", "--image=example/checkout:1", "--labels=app=checkout");
        var late = await h.Client.CoreV1.ReadNamespacedPodAsync("checkout-2", "shop", cancellationToken: ct);
        Assert.DoesNotContain(late.Spec.Containers[0].Env ?? [], e => e.Name == "DOTNET_EventPipeThreadSamplingRate");
        Assert.Contains(h.Server.WebhookCalls, call => call.Outcome.StartsWith("failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_certificate_renewed_in_the_Secret_is_served_from_the_next_handshake_without_a_restart()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var ct = cts.Token;
        await using var h = await OperatorHarness.StartAsync(ct);
        var (host, _) = await h.StartOperatorAsync(ct, WebhookArgs);
        var webhookUrl = host.Services.GetRequiredService<AdmissionWebhookServer>().Url!;
        string? first = null;
        await OperatorHarness.EventuallyAsync(async () => (first = await PresentedThumbprintAsync(webhookUrl, ct)) is not null, "the webhook serves a certificate", ct);

        var secret = await h.Client.CoreV1.ReadNamespacedSecretAsync("flamewatch-webhook-tls", "default", cancellationToken: ct);
        var current = CertificateBundle.FromSecretData(secret.Data);
        var renewed = CertificatePlanner.Issue(CertificateAction.RenewServing, current, CertificatePlanner.Names("flamewatch-webhook", "default", "127.0.0.1"), DateTimeOffset.UtcNow);
        secret.Data = renewed.ToSecretData();
        await h.Client.CoreV1.ReplaceNamespacedSecretAsync(secret, secret.Metadata.Name, "default", cancellationToken: ct);

        using var expected = X509Certificate2.CreateFromPem(renewed.Certificate);
        await OperatorHarness.EventuallyAsync(async () => await PresentedThumbprintAsync(webhookUrl, ct) == expected.Thumbprint, "the renewed certificate is served", ct);
        Assert.NotEqual(first, expected.Thumbprint);
    }

    private static async Task<string?> PresentedThumbprintAsync(Uri url, CancellationToken cancellationToken)
    {
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(url.Host, url.Port, cancellationToken);
            await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = url.Host }, cancellationToken);
            return tls.RemoteCertificate is X509Certificate2 presented ? presented.Thumbprint : null;
        }
        catch (Exception exception) when (exception is IOException or System.Security.Authentication.AuthenticationException or SocketException)
        {
            return null;
        }
    }

    private static async Task<string> KubectlAsync(OperatorHarness h, string? stdin, CancellationToken cancellationToken, params string[] args)
    {
        var (exitCode, stdout, stderr) = await KubectlCli.RunAsync(h.Server.KubeconfigPath, stdin, cancellationToken, args);
        Assert.True(exitCode == 0, $"kubectl {string.Join(' ', args)} failed ({exitCode}):\n{stderr}\n{stdout}");
        return stdout;
    }
}
