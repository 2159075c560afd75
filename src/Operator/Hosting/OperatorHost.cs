using Flamewatch.Hosting;
using Flamewatch.Kubernetes.Hosting;
using Flamewatch.Operator.Admission;
using Flamewatch.Operator.Controller;
using Flamewatch.Settings;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Flamewatch.Operator.Hosting;

/// <summary>Builds the operator process: Generic Host (ASP.NET Core for /healthz, /readyz, /metrics) + the controller.</summary>
internal static class OperatorHost
{
    public const string DefaultUrls = "http://0.0.0.0:8081";

    public const string Executable = "flamewatch-operator";

    /// <summary>Command-line flags and the configuration keys they set (see <see cref="OperatorOptions"/>).</summary>
    public static readonly IReadOnlyList<HostFlag> Flags =
    [
        new("--urls", "urls", $"Where /healthz, /readyz and /metrics listen (default {DefaultUrls}).", typeof(string)),
        new("--kubeconfig", "Operator:Kubeconfig", "A kubeconfig file (default: KUBECONFIG, ~/.kube/config, then in-cluster).", typeof(string)),
        new("--namespace", "Operator:Namespace", "Only this namespace's ContinuousProfiles and pods (default: all namespaces).", typeof(string)),
        new("--leader-elect", "Operator:LeaderElection", "Reconcile only while holding the Lease (default true).", typeof(bool)),
        new("--lease-name", "Operator:LeaseName", "Name of the Lease (default flamewatch-operator).", typeof(string)),
        new("--lease-namespace", "Operator:LeaseNamespace", "Namespace of the Lease (default: the operator's own).", typeof(string)),
        new("--identity", "Operator:Identity", "This replica's name in the Lease (default: host name and a random suffix).", typeof(string)),
        new("--max-concurrent-reconciles", "Operator:MaxConcurrentReconciles", "ContinuousProfiles reconciled at once (default 2).", typeof(int)),
        new("--webhook", "Webhook:Enabled", "Serve the pod admission webhook that adds DOTNET_EventPipeThreadSamplingRate to selected pods (default false).", typeof(bool)),
        new("--webhook-port", "Webhook:Port", "HTTPS port of the admission webhook (default 9443).", typeof(int)),
        new("--webhook-certificates", "Webhook:Certificates", "self-signed (the operator keeps a CA and certificate in a Secret, the default) or external (e.g. cert-manager writes them).", typeof(string)),
        new("--webhook-additional-names", "Webhook:AdditionalNames", "More DNS names or IP addresses the serving certificate covers (comma-separated).", typeof(string)),
    ];

    private static readonly Dictionary<string, string> SwitchMappings = Flags.ToDictionary(flag => flag.Name, flag => flag.Key, StringComparer.Ordinal);

    /// <param name="args">Command-line arguments (see <see cref="OperatorOptions"/>).</param>
    /// <param name="configureServices">Test seam: replace services (e.g. the TimeProvider) before the host is built.</param>
    public static WebApplication Build(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        GoDurationConverter.Register();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ApplicationName = "flamewatch-operator" });
        builder.Configuration.AddCommandLine(args, SwitchMappings);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_URLS")))
        {
            builder.WebHost.UseUrls(DefaultUrls);
        }

        // Probes and scrapes hit /healthz, /readyz and /metrics every few seconds: keep their request logs out of the way.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        configureServices?.Invoke(builder.Services);
        builder.Services.AddOperator(builder.Configuration);
        builder.Services.AddAdmissionWebhook(builder.Configuration);
        var app = builder.Build();
        app.MapOperatorEndpoints();
        return app;
    }

    public static void MapOperatorEndpoints(this WebApplication app)
    {
        app.MapProbes(
            unhealthy: services => services.GetRequiredService<OperatorState>().Faulted is { } fault ? $"controller stopped: {fault.Message}" : null,
            notReady: services => services.GetRequiredService<OperatorState>().CachesSynced ? null : "informer caches not synced yet",
            metrics: services =>
            {
                var text = new PrometheusTextWriter();
                services.GetRequiredService<Admission.WebhookMetrics>().AppendTo(text);
                return services.GetRequiredService<Metrics.ControllerMetrics>().ToPrometheusText() + text;
            });
    }
}
