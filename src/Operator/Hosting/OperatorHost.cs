using Flamewatch.Kubernetes.Hosting;
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

    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        ["--kubeconfig"] = "Operator:Kubeconfig",
        ["--namespace"] = "Operator:Namespace",
        ["--leader-elect"] = "Operator:LeaderElection",
        ["--lease-name"] = "Operator:LeaseName",
        ["--lease-namespace"] = "Operator:LeaseNamespace",
        ["--identity"] = "Operator:Identity",
        ["--max-concurrent-reconciles"] = "Operator:MaxConcurrentReconciles",
    };

    /// <param name="args">Command-line arguments (see <see cref="OperatorOptions"/>).</param>
    /// <param name="configureServices">Test seam: replace services (e.g. the TimeProvider) before the host is built.</param>
    public static WebApplication Build(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        GoDurationConverter.Register();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ApplicationName = "flamewatch-operator" });
        builder.Configuration.AddCommandLine(args, Flags);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_URLS")))
        {
            builder.WebHost.UseUrls(DefaultUrls);
        }

        // Probes and scrapes hit /healthz, /readyz and /metrics every few seconds: keep their request logs out of the way.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        configureServices?.Invoke(builder.Services);
        builder.Services.AddOperator(builder.Configuration);
        var app = builder.Build();
        app.MapOperatorEndpoints();
        return app;
    }

    public static void MapOperatorEndpoints(this WebApplication app)
    {
        app.MapGet("/healthz", (OperatorState state) => state.Faulted is { } fault
            ? Results.Text($"controller stopped: {fault.Message}\n", statusCode: StatusCodes.Status500InternalServerError)
            : Results.Text("ok\n"));
        app.MapGet("/readyz", (OperatorState state) => state.CachesSynced
            ? Results.Text("ok\n")
            : Results.Text("informer caches not synced yet\n", statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapGet("/metrics", (Metrics.ControllerMetrics metrics) =>
            Results.Text(metrics.ToPrometheusText(), PrometheusTextWriter.ContentType));
    }
}
