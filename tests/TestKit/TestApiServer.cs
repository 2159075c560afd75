using System.Net;
using System.Text.Json.Nodes;
using Flamewatch.Kubernetes.Client;
using Flamewatch.TestKit.ApiServer;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flamewatch.TestKit;

/// <summary>
/// An in-process API server that behaves like kube-apiserver where Flamewatch and kubectl depend on it
/// (resourceVersions, list/watch with selectors, 410 Expired, bookmarks, paging, conflicts, patches, CRDs with
/// structural schemas and CEL, status subresource, finalizers, discovery). Listens on 127.0.0.1 and writes a kubeconfig.
/// Fault hooks let tests drop or silence watches, compact history, expire continue tokens, rotate tokens and fail requests.
/// </summary>
public sealed class TestApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ApiStore _store;
    private readonly ApiHandler _handler;
    private readonly TestApiServerOptions _options;
    private readonly CancellationTokenSource _stopping = new();
    private readonly bool _ownsKubeconfig;
    private Task _bookmarks = Task.CompletedTask;
    private System.Security.Cryptography.X509Certificates.X509Certificate2? _certificate;

    private TestApiServer(WebApplication app, ApiStore store, ApiHandler handler, TestApiServerOptions options, string kubeconfigPath, bool ownsKubeconfig)
    {
        _app = app;
        _store = store;
        _handler = handler;
        _options = options;
        KubeconfigPath = kubeconfigPath;
        _ownsKubeconfig = ownsKubeconfig;
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>A kubeconfig (cluster "flamewatch-test", context of the same name, namespace default) for kubectl and clients.</summary>
    public string KubeconfigPath { get; }

    /// <summary>Every request received, in order (method, path and query, content type, user agent).</summary>
    public IReadOnlyCollection<RecordedRequest> Requests => _handler.Requests;

    /// <summary>PEM of the self-signed serving certificate (null without TLS), e.g. for an in-cluster ca.crt.</summary>
    public string? CaCertificatePem => _certificate?.ExportCertificatePem();

    /// <summary>The current (latest) resourceVersion.</summary>
    public long ResourceVersion => _store.Revision;

    public static async Task<TestApiServer> StartAsync(TestApiServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new TestApiServerOptions();
        var certificate = options.UseTls ? ServingCertificate.Create() : null;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                if (options.UseTls)
                {
                    listen.UseHttps(certificate!);
                }
            });
            k.Limits.MaxRequestBodySize = 16 * 1024 * 1024;
        });
        var app = builder.Build();
        var store = new ApiStore(options.HistoryLimit);
        var handler = new ApiHandler(store, options);
        app.Run(handler.HandleAsync);
        var owns = options.KubeconfigPath is null;
        var path = options.KubeconfigPath ?? Path.Combine(Path.GetTempPath(), $"flamewatch-kubeconfig-{Guid.NewGuid():N}.yaml");
        var server = new TestApiServer(app, store, handler, options, path, owns) { _certificate = certificate };
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
        server.WriteKubeconfig();
        server._bookmarks = server.BookmarkLoopAsync();
        return server;
    }

    private void WriteKubeconfig()
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(KubeconfigPath));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        var user = _options.Token is null ? "{}" : $"\n    token: {_options.Token}";
        var ca = _certificate is null ? "" : $"\n    certificate-authority-data: {Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(_certificate.ExportCertificatePem()))}";
        File.WriteAllText(KubeconfigPath, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: flamewatch-test
              cluster:
                server: {Url.ToString().TrimEnd('/')}{ca}
            users:
            - name: flamewatch-test
              user: {user}
            contexts:
            - name: flamewatch-test
              context:
                cluster: flamewatch-test
                user: flamewatch-test
                namespace: default
            current-context: flamewatch-test

            """);
    }

    /// <summary>The official client's configuration for this server (from the generated kubeconfig).</summary>
    public KubernetesClientConfiguration ClientConfig() => KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath);

    /// <summary>An official client of this server, set up as Flamewatch's executables set it up.</summary>
    /// <param name="userAgent">Sent instead of the client's own, so that fault rules and request counts can tell a test
    /// harness's requests from those of the component under test.</param>
    public IKubernetes CreateClient(string? userAgent = null, TimeSpan? requestTimeout = null) =>
        KubeClients.Create(ClientConfig(), requestTimeout, userAgent);

    /// <summary>A plain HTTP client of this server (its CA trusted, its token sent), for requests no typed client makes.</summary>
    public HttpClient CreateHttpClient()
    {
        var handler = new SocketsHttpHandler();
        if (_certificate is not null)
        {
            var expected = _certificate.GetCertHashString();
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == expected;
        }

        var http = new HttpClient(handler) { BaseAddress = Url };
        if (_options.Token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _options.Token);
        }

        return http;
    }

    private async Task BookmarkLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.BookmarkInterval, _options.TimeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                _store.Bookmark();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    // ---- fault and control hooks ----

    /// <summary>Aborts every open watch connection (the client sees a dropped connection).</summary>
    public void DropWatches()
    {
        foreach (var w in _store.Watchers())
        {
            w.Context.Abort();
        }
    }

    /// <summary>Every open watch goes silent: the connection stays open but no event or bookmark is ever written again.</summary>
    public void SilenceWatches()
    {
        foreach (var w in _store.Watchers())
        {
            w.Silenced = true;
        }
    }

    /// <summary>Number of currently open watches.</summary>
    public int OpenWatches => _store.Watchers().Count(w => !w.Silenced);

    /// <summary>Forgets all event history: a watch from an earlier resourceVersion gets ERROR 410 Expired.</summary>
    public void CompactHistory() => _store.Compact();

    /// <summary>Sends a BOOKMARK now to every watch that allowed bookmarks.</summary>
    public void SendBookmarks() => _store.Bookmark();

    /// <summary>Every continue token handed out so far answers 410 Expired.</summary>
    public void ExpireContinueTokens() => _handler.ExpireContinueTokens();

    /// <summary>Replaces the accepted bearer tokens (old tokens get 401 from now on).</summary>
    public void SetTokens(params string[] tokens) => _handler.Tokens = tokens;

    /// <summary>Answers the next <paramref name="times"/> matching requests (all when null) with <paramref name="statusCode"/> (negative times = always).</summary>
    public void FailRequests(int statusCode, int times = 1, Func<HttpRequest, bool>? match = null) =>
        _handler.AddFault(new FaultRule(match ?? (_ => true), statusCode, TimeSpan.Zero, times));

    /// <summary>Delays the next <paramref name="times"/> matching requests by <paramref name="delay"/> (negative times = always).</summary>
    public void DelayRequests(TimeSpan delay, int times = -1, Func<HttpRequest, bool>? match = null) =>
        _handler.AddFault(new FaultRule(match ?? (_ => true), null, delay, times));

    public void ClearFaults() => _handler.ClearFaults();

    /// <summary>Calls to mutating admission webhooks, in order.</summary>
    public IReadOnlyCollection<WebhookCall> WebhookCalls => _handler.Webhooks.Calls;

    /// <summary>
    /// Webhooks addressed by Service <paramref name="namespace"/>/<paramref name="name"/>:<paramref name="port"/> are called at
    /// <paramref name="target"/> (where kube-apiserver would dial one of the Service's endpoints); the certificate is
    /// still checked for the Service's DNS name <c>name.namespace.svc</c>.
    /// </summary>
    public void RouteService(string @namespace, string name, int port, Uri target) => _handler.Webhooks.RouteService(@namespace, name, port, target);

    /// <summary>A <see cref="RawApiClient"/> of this server.</summary>
    public RawApiClient CreateRawClient() => new(CreateHttpClient());

    /// <summary>
    /// Creates every document of a YAML manifest (e.g. a CRD file) through the API, like <c>kubectl create -f</c>;
    /// returns the created objects. Throws <see cref="RawApiException"/> on the first rejection.
    /// </summary>
    public async Task<IReadOnlyList<JsonObject>> CreateFromYamlAsync(string yaml, CancellationToken cancellationToken = default)
    {
        using var raw = CreateRawClient();
        var created = new List<JsonObject>();
        foreach (var doc in YamlJson.ParseDocuments(yaml))
        {
            var apiVersion = doc["apiVersion"]?.GetValue<string>() ?? "";
            var kind = doc["kind"]?.GetValue<string>() ?? "";
            var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
            var group = slash < 0 ? "" : apiVersion[..slash];
            var version = slash < 0 ? apiVersion : apiVersion[(slash + 1)..];
            var served = _handler.Resources.FirstOrDefault(r => r.Group == group && r.Kind == kind)
                ?? throw new InvalidOperationException($"no resource of kind {kind} in {apiVersion} is served (install its CRD first)");
            var ns = served.Namespaced ? doc["metadata"]?["namespace"]?.GetValue<string>() ?? "default" : null;
            created.Add(await raw.CreateAsync(RawApiClient.PathOf(group, version, served.Plural, ns), doc, cancellationToken).ConfigureAwait(false));
        }

        return created;
    }

    /// <summary>Stored objects of a resource (group "" for core), as JSON.</summary>
    public IReadOnlyList<JsonObject> Objects(string group, string plural)
    {
        var r = _handler.Resource(group, plural);
        return r is null ? [] : _store.All(r).Select(o => o.DeepClone().AsObject()).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            DropWatches();
            await _bookmarks.ConfigureAwait(false);
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _app.StopAsync(stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            await _app.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _stopping.Dispose();
            _handler.Webhooks.Dispose();
            _certificate?.Dispose();
            if (_ownsKubeconfig)
            {
                File.Delete(KubeconfigPath);
            }
        }
    }
}
