using Flamewatch.Hosting;
using Flamewatch.Kubernetes.Hosting;
using Flamewatch.Kubernetes.Informers;
using Flamewatch.NodeCollector.Metrics;
using Flamewatch.NodeCollector.Supervision;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flamewatch.NodeCollector.Hosting;

/// <summary>Builds the Kubernetes-mode collector: Generic Host (ASP.NET Core for /healthz and /metrics) + supervisor.</summary>
internal static class CollectorHost
{
    /// <param name="settings">Configuration keys (<c>Collector:Agent</c>, ...) set from the command line.</param>
    /// <param name="configureServices">Test seam: replace services before the host is built.</param>
    public static WebApplication Build(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "flamewatch-collector" });
        builder.Configuration.AddInMemoryCollection(settings);
        var section = builder.Configuration.GetSection(CollectorOptions.Section);
        ExecutableHost.NormalizeDurations(section, CollectorOptions.Durations);
        var port = int.TryParse(section["Port"], out var p) ? p : new CollectorOptions().Port;
        var address = section["BindAddress"] is { Length: > 0 } bind ? bind : new CollectorOptions().BindAddress;
        if (port is >= 0 and <= 65535 && System.Net.IPAddress.TryParse(address, out var ip))
        {
            builder.WebHost.UseKestrel(kestrel => kestrel.Listen(ip, port));
        }

        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        configureServices?.Invoke(builder.Services);
        builder.Services.AddCollector(builder.Configuration);
        var app = builder.Build();
        app.MapCollectorEndpoints();
        return app;
    }

    public static void MapCollectorEndpoints(this WebApplication app)
    {
        app.MapProbes(
            unhealthy: services =>
            {
                var supervisor = services.GetRequiredService<SessionSupervisor>();
                var silent = services.GetRequiredService<TimeProvider>().GetUtcNow() - supervisor.LastPass;
                var limit = TimeSpan.FromTicks(Math.Max(services.GetRequiredService<IOptions<CollectorOptions>>().Value.RescanInterval.Ticks * 6, TimeSpan.FromMinutes(2).Ticks));
                return supervisor.LastPass != DateTimeOffset.MinValue && silent > limit ? $"the supervisor loop has not run for {silent.TotalSeconds:0} s" : null;
            },
            notReady: services => services.GetRequiredService<IInformer<V1Pod>>().HasSynced ? null : "the pod cache is not synced yet",
            metrics: services => services.GetRequiredService<CollectorMetrics>().ToPrometheusText());
    }
}
