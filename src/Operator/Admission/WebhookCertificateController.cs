using System.Text.Json.Nodes;
using Flamewatch.Kubernetes.Client;
using Flamewatch.Operator.Controller;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flamewatch.Operator.Admission;

/// <summary>
/// Keeps the webhook's serving certificate current on every replica: reads the Secret every
/// <see cref="WebhookOptions.RefreshInterval"/> and loads it for the next TLS handshakes. In self-signed mode the
/// leader (alone) also issues or renews the certificates in the Secret and writes the CA bundle into the
/// MutatingWebhookConfiguration; followers only read.
/// </summary>
internal sealed class WebhookCertificateController(
    IKubernetes client,
    KubernetesClientConfiguration clientConfig,
    ServingCertificateStore store,
    OperatorState state,
    WebhookMetrics metrics,
    IOptions<WebhookOptions> options,
    TimeProvider time,
    ILogger<WebhookCertificateController> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var ns = string.IsNullOrEmpty(settings.SecretNamespace) ? clientConfig.Namespace ?? "default" : settings.SecretNamespace;
        var names = CertificatePlanner.Names(settings.ServiceName, ns, settings.AdditionalNames);
        while (!stoppingToken.IsCancellationRequested)
        {
            var again = settings.RefreshInterval;
            try
            {
                if (!await RefreshAsync(settings, ns, names, stoppingToken).ConfigureAwait(false))
                {
                    // No usable certificate yet (a follower waiting for the leader, or a write conflict): look again soon.
                    again = TimeSpan.FromSeconds(Math.Min(2, settings.RefreshInterval.TotalSeconds));
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                metrics.CertificateError();
                Log.WebhookCertificateFailed(logger, ns, settings.SecretName, exception);
                again = TimeSpan.FromSeconds(Math.Min(5, settings.RefreshInterval.TotalSeconds));
            }

            try
            {
                await Task.Delay(again, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One round; true when a certificate is loaded and (leader, self-signed) the CA bundle is published.</summary>
    internal async Task<bool> RefreshAsync(WebhookOptions settings, string ns, IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var secret = await TryReadSecretAsync(ns, settings.SecretName, cancellationToken).ConfigureAwait(false);
        var bundle = CertificateBundle.FromSecretData(secret?.Data);
        var mayWrite = settings.Certificates == WebhookOptions.SelfSigned && state.IsLeader;
        if (mayWrite)
        {
            var action = CertificatePlanner.Plan(bundle, names, time.GetUtcNow());
            if (action != CertificateAction.Keep)
            {
                var issued = CertificatePlanner.Issue(action, bundle, names, time.GetUtcNow());
                if (!await WriteSecretAsync(ns, settings.SecretName, secret, issued, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }

                metrics.CertificateIssued();
                Log.WebhookCertificateIssued(logger, action.ToString(), ns, settings.SecretName);
                bundle = issued;
            }
        }

        var loaded = store.Load(bundle.Certificate, bundle.Key);
        if (loaded is not null)
        {
            metrics.CertificateLoaded(loaded.NotAfter.ToUniversalTime());
        }

        // Compared with the live configuration every round: a `helm upgrade` re-applies it with an empty caBundle.
        if (mayWrite && bundle.CaCertificates is not null
            && !await PublishCaBundleAsync(settings.ConfigurationName, bundle.CaCertificates, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        return loaded is not null;
    }

    private async Task<V1Secret?> TryReadSecretAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception.IsNotFound())
        {
            return null;
        }
    }

    /// <summary>Creates or replaces the Secret (optimistic concurrency); false when another writer got there first.</summary>
    private async Task<bool> WriteSecretAsync(string ns, string name, V1Secret? current, CertificateBundle bundle, CancellationToken cancellationToken)
    {
        try
        {
            if (current is null)
            {
                await client.CoreV1.CreateNamespacedSecretAsync(
                    new V1Secret
                    {
                        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "flamewatch-operator" } },
                        Type = "kubernetes.io/tls",
                        Data = bundle.ToSecretData(),
                    },
                    ns,
                    cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            else
            {
                current.Data = bundle.ToSecretData();
                await client.CoreV1.ReplaceNamespacedSecretAsync(current, name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            return true;
        }
        catch (Exception exception) when (exception.IsConflict() || exception.IsAlreadyExists())
        {
            return false;
        }
    }

    /// <summary>Writes the CA bundle into every webhook of the configuration; false while the configuration does not exist.</summary>
    private async Task<bool> PublishCaBundleAsync(string configurationName, string caPem, CancellationToken cancellationToken)
    {
        V1MutatingWebhookConfiguration configuration;
        try
        {
            configuration = await client.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync(configurationName, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception.IsNotFound())
        {
            Log.WebhookConfigurationMissing(logger, configurationName);
            return false;
        }

        var wanted = System.Text.Encoding.ASCII.GetBytes(caPem);
        var operations = new JsonArray();
        var webhooks = configuration.Webhooks ?? [];
        for (var i = 0; i < webhooks.Count; i++)
        {
            if (webhooks[i].ClientConfig?.CaBundle is { } current && current.AsSpan().SequenceEqual(wanted))
            {
                continue;
            }

            // Guard each write with the webhook's name, so that a concurrent reordering fails instead of misplacing it.
            operations.Add(new JsonObject { ["op"] = "test", ["path"] = $"/webhooks/{i}/name", ["value"] = webhooks[i].Name });
            operations.Add(new JsonObject { ["op"] = "add", ["path"] = $"/webhooks/{i}/clientConfig/caBundle", ["value"] = Convert.ToBase64String(wanted) });
        }

        if (operations.Count > 0)
        {
            await client.AdmissionregistrationV1.PatchMutatingWebhookConfigurationAsync(
                new V1Patch(operations.ToJsonString(), V1Patch.PatchType.JsonPatch), configurationName, cancellationToken: cancellationToken).ConfigureAwait(false);
            Log.WebhookCaBundlePublished(logger, configurationName, operations.Count / 2);
        }

        return true;
    }
}
