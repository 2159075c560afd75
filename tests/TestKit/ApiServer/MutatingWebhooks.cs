using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Flamewatch.TestKit.ApiServer;

/// <summary>
/// kube-apiserver's MutatingAdmissionWebhook plugin for CREATE, as a faithful subset: the MutatingWebhookConfigurations
/// in name order, each webhook's rules (operations, apiGroups, apiVersions, resources, scope), namespaceSelector
/// (namespace labels; ignored for cluster-scoped objects) and objectSelector, an AdmissionReview v1 POSTed to the
/// clientConfig URL or Service (routed by the test through <see cref="RouteService"/>) with the certificate checked
/// against caBundle and the host name, timeoutSeconds (default 10), failurePolicy (default Fail), and JSONPatch responses applied in turn. Not modelled: matchConditions, matchPolicy Equivalent, reinvocation,
/// UPDATE/DELETE/CONNECT, webhook-supplied audit annotations and warnings.
/// </summary>
internal sealed class MutatingWebhooks(ApiStore store, Func<string, string, ServedResource?> resource) : IDisposable
{
    private readonly ConcurrentDictionary<string, Uri> _services = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HttpClient> _clients = new(StringComparer.Ordinal);

    public ConcurrentQueue<WebhookCall> Calls { get; } = new();

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }

    /// <summary>Requests for Service namespace/name:port go to <paramref name="target"/> (kube-apiserver would dial an endpoint).</summary>
    public void RouteService(string @namespace, string name, int port, Uri target) => _services[$"{@namespace}/{name}:{port}"] = target;

    /// <summary>The object as the webhooks leave it; throws <see cref="ApiError"/> when a webhook denies or fails closed.</summary>
    public async Task<JsonObject> AdmitCreateAsync(ServedResource r, string? ns, JsonObject obj, IQueryCollection query, CancellationToken cancellationToken)
    {
        var configurations = resource("admissionregistration.k8s.io", "mutatingwebhookconfigurations");
        if (configurations is null)
        {
            return obj;
        }

        List<JsonObject> webhooks;
        JsonObject? namespaceObject = null;
        lock (store.Gate)
        {
            webhooks = store.All(configurations)
                .OrderBy(c => c["metadata"]?["name"]?.GetValue<string>(), StringComparer.Ordinal)
                .SelectMany(c => (c["webhooks"] as JsonArray ?? []).OfType<JsonObject>())
                .Select(w => w.DeepClone().AsObject())
                .ToList();
            if (r.Namespaced && ns is not null && resource("", "namespaces") is { } namespaces)
            {
                namespaceObject = store.Get(namespaces, null, ns)?.DeepClone().AsObject();
            }
        }

        if (webhooks.Count == 0 || (r.Namespaced && namespaceObject is null))
        {
            // No webhooks, or the namespace does not exist: NamespaceLifecycle refuses the request before any webhook.
            return obj;
        }

        // admissionregistration/v1 only admits sideEffects None or NoneOnDryRun, so every v1 webhook is called on dry runs too.
        var dryRun = query.ContainsKey("dryRun");
        foreach (var webhook in webhooks)
        {
            if (!Applies(webhook, r, obj, namespaceObject))
            {
                continue;
            }

            var name = webhook["name"]?.GetValue<string>() ?? "";

            var started = Stopwatch.GetTimestamp();
            JsonObject response;
            try
            {
                response = await CallAsync(webhook, r, ns, obj, dryRun, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not ApiError && !cancellationToken.IsCancellationRequested)
            {
                var ignore = webhook["failurePolicy"]?.GetValue<string>() == "Ignore";
                Calls.Enqueue(new WebhookCall(name, r.Key, $"failed: {exception.Message}", Stopwatch.GetElapsedTime(started)));
                if (ignore)
                {
                    continue;
                }

                throw new ApiError(500, "InternalError", $"Internal error occurred: failed calling webhook \"{name}\": {exception.Message}");
            }

            if (response["allowed"]?.GetValueKind() != JsonValueKind.True)
            {
                Calls.Enqueue(new WebhookCall(name, r.Key, "denied", Stopwatch.GetElapsedTime(started)));
                var status = response["status"] as JsonObject;
                var code = status?["code"]?.GetValueKind() == JsonValueKind.Number ? status["code"]!.GetValue<int>() : 400;
                var message = status?["message"]?.GetValue<string>() ?? "";
                throw new ApiError(code, status?["reason"]?.GetValue<string>() ?? "BadRequest", $"admission webhook \"{name}\" denied the request{(message.Length > 0 ? ": " + message : "")}");
            }

            if (response["patch"] is JsonValue patchText)
            {
                try
                {
                    if (response["patchType"]?.GetValue<string>() != "JSONPatch")
                    {
                        throw new InvalidOperationException($"unsupported patch type \"{response["patchType"]}\"");
                    }

                    var operations = JsonNode.Parse(Convert.FromBase64String(patchText.GetValue<string>()))?.AsArray() ?? throw new InvalidOperationException("the patch is empty");
                    obj = Patches.JsonPatch(obj.DeepClone(), operations)?.AsObject() ?? throw new InvalidOperationException("the patch removed the object");
                    Calls.Enqueue(new WebhookCall(name, r.Key, "patched", Stopwatch.GetElapsedTime(started)));
                }
                catch (Exception exception) when (exception is InvalidOperationException or FormatException or JsonException)
                {
                    // kube-apiserver treats a patch it cannot apply as the webhook failing.
                    Calls.Enqueue(new WebhookCall(name, r.Key, $"failed: {exception.Message}", Stopwatch.GetElapsedTime(started)));
                    if (webhook["failurePolicy"]?.GetValue<string>() != "Ignore")
                    {
                        throw new ApiError(500, "InternalError", $"Internal error occurred: failed calling webhook \"{name}\": {exception.Message}");
                    }
                }
            }
            else
            {
                Calls.Enqueue(new WebhookCall(name, r.Key, "allowed", Stopwatch.GetElapsedTime(started)));
            }
        }

        return obj;
    }

    private static bool Applies(JsonObject webhook, ServedResource r, JsonObject obj, JsonObject? namespaceObject)
    {
        var ruleMatches = (webhook["rules"] as JsonArray ?? []).OfType<JsonObject>().Any(rule =>
            Contains(rule["operations"], "CREATE")
            && Contains(rule["apiGroups"], r.Group)
            && Contains(rule["apiVersions"], r.Version)
            && Contains(rule["resources"], r.Plural)
            && (rule["scope"]?.GetValue<string>() ?? "*") switch
            {
                "Namespaced" => r.Namespaced,
                "Cluster" => !r.Namespaced,
                _ => true,
            });
        if (!ruleMatches)
        {
            return false;
        }

        // namespaceSelector applies to namespaced objects (and to Namespaces themselves, by their own labels).
        var namespaceLabels = r.Plural == "namespaces" && r.Group.Length == 0 ? obj["metadata"]?["labels"] : namespaceObject?["metadata"]?["labels"];
        if ((r.Namespaced || r.Plural == "namespaces") && !SelectorMatches(webhook["namespaceSelector"] as JsonObject, namespaceLabels as JsonObject))
        {
            return false;
        }

        return SelectorMatches(webhook["objectSelector"] as JsonObject, obj["metadata"]?["labels"] as JsonObject);
    }

    private static bool Contains(JsonNode? list, string value) =>
        list is JsonArray items && items.Any(i => i?.GetValueKind() == JsonValueKind.String && (i.GetValue<string>() == "*" || i.GetValue<string>() == value));

    /// <summary>metav1.LabelSelector semantics; an absent or empty selector matches everything.</summary>
    internal static bool SelectorMatches(JsonObject? selector, JsonObject? labels)
    {
        if (selector is null)
        {
            return true;
        }

        string? Label(string key) => labels?[key]?.GetValueKind() == JsonValueKind.String ? labels[key]!.GetValue<string>() : null;
        foreach (var (key, value) in selector["matchLabels"] as JsonObject ?? [])
        {
            if (Label(key) != value?.GetValue<string>())
            {
                return false;
            }
        }

        foreach (var expression in (selector["matchExpressions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var actual = Label(expression["key"]?.GetValue<string>() ?? "");
            var values = (expression["values"] as JsonArray ?? []).Select(v => v?.GetValue<string>()).ToList();
            var satisfied = expression["operator"]?.GetValue<string>() switch
            {
                "In" => actual is not null && values.Contains(actual),
                "NotIn" => actual is null || !values.Contains(actual),
                "Exists" => actual is not null,
                "DoesNotExist" => actual is null,
                _ => false,
            };
            if (!satisfied)
            {
                return false;
            }
        }

        return true;
    }

    private async Task<JsonObject> CallAsync(JsonObject webhook, ServedResource r, string? ns, JsonObject obj, bool dryRun, CancellationToken cancellationToken)
    {
        var versions = webhook["admissionReviewVersions"] as JsonArray;
        if (versions is null || !Contains(versions, "v1"))
        {
            throw new InvalidOperationException("webhook does not accept v1 AdmissionReview");
        }

        var client = webhook["clientConfig"] as JsonObject ?? throw new InvalidOperationException("webhook has no clientConfig");
        Uri url;
        string host;
        if (client["url"]?.GetValue<string>() is { } address)
        {
            url = new Uri(address);
            host = url.Host;
        }
        else if (client["service"] is JsonObject service)
        {
            var serviceName = service["name"]?.GetValue<string>() ?? "";
            var serviceNamespace = service["namespace"]?.GetValue<string>() ?? "";
            var port = service["port"]?.GetValue<int>() ?? 443;
            var path = service["path"]?.GetValue<string>() ?? "/";
            if (!_services.TryGetValue($"{serviceNamespace}/{serviceName}:{port}", out var target))
            {
                throw new InvalidOperationException($"failed to call webhook: service \"{serviceNamespace}/{serviceName}:{port}\" has no endpoints");
            }

            url = new Uri(target, path);
            host = $"{serviceName}.{serviceNamespace}.svc";
        }
        else
        {
            throw new InvalidOperationException("clientConfig has neither url nor service");
        }

        var trusted = new X509Certificate2Collection();
        if (client["caBundle"]?.GetValue<string>() is { Length: > 0 } caBundle)
        {
            trusted.ImportFromPem(Encoding.ASCII.GetString(Convert.FromBase64String(caBundle)));
        }

        var timeout = TimeSpan.FromSeconds(webhook["timeoutSeconds"]?.GetValue<int>() ?? 10);
        // One client (and its kept-alive TLS connections) per endpoint and trust, as kube-apiserver caches them.
        var http = _clients.GetOrAdd($"{url.GetLeftPart(UriPartial.Authority)}|{host}|{client["caBundle"]}", _ =>
        {
            var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) };
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is X509Certificate2 presented && Verify(presented, trusted, host);
            return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        });
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);

        var meta = obj["metadata"] as JsonObject;
        var uid = Guid.NewGuid().ToString();
        var review = new JsonObject
        {
            ["apiVersion"] = "admission.k8s.io/v1",
            ["kind"] = "AdmissionReview",
            ["request"] = new JsonObject
            {
                ["uid"] = uid,
                ["kind"] = new JsonObject { ["group"] = r.Group, ["version"] = r.Version, ["kind"] = r.Kind },
                ["resource"] = new JsonObject { ["group"] = r.Group, ["version"] = r.Version, ["resource"] = r.Plural },
                ["requestKind"] = new JsonObject { ["group"] = r.Group, ["version"] = r.Version, ["kind"] = r.Kind },
                ["requestResource"] = new JsonObject { ["group"] = r.Group, ["version"] = r.Version, ["resource"] = r.Plural },
                ["name"] = meta?["name"]?.GetValue<string>() ?? "",
                ["namespace"] = ns ?? "",
                ["operation"] = "CREATE",
                ["userInfo"] = new JsonObject { ["username"] = "flamewatch-test", ["groups"] = new JsonArray("system:authenticated") },
                ["object"] = obj.DeepClone(),
                ["oldObject"] = null,
                ["dryRun"] = dryRun,
                ["options"] = new JsonObject { ["apiVersion"] = "meta.k8s.io/v1", ["kind"] = "CreateOptions" },
            },
        };
        HttpResponseMessage answer;
        try
        {
            using var content = new StringContent(review.ToJsonString(), Encoding.UTF8, "application/json");
            answer = await http.PostAsync(url, content, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"failed to call webhook: Post \"{url}\": context deadline exceeded");
        }
        catch (HttpRequestException exception)
        {
            throw new InvalidOperationException($"failed to call webhook: Post \"{url}\": {exception.InnerException?.Message ?? exception.Message}");
        }

        using (answer)
        {
            if (answer.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"failed to call webhook: the server responded with {(int)answer.StatusCode}");
            }

            JsonNode? parsed;
            try
            {
                parsed = JsonNode.Parse(await answer.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false));
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new InvalidOperationException($"failed to call webhook: Post \"{url}\": context deadline exceeded");
            }
            catch (JsonException exception)
            {
                throw new InvalidOperationException($"received invalid webhook response: {exception.Message}");
            }

            var response = parsed?["response"] as JsonObject ?? throw new InvalidOperationException("webhook response was absent");
            if (response["uid"]?.GetValueKind() != JsonValueKind.String || response["uid"]!.GetValue<string>() != uid)
            {
                throw new InvalidOperationException($"expected response.uid=\"{uid}\", got \"{response["uid"]}\"");
            }

            return response;
        }
    }

    private static bool Verify(X509Certificate2 presented, X509Certificate2Collection trusted, string host)
    {
        if (trusted.Count == 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(presented) && presented.MatchesHostname(host, allowWildcards: true, allowCommonName: false);
    }
}
