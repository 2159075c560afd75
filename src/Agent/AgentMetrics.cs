using System.Collections.Concurrent;
using Flamewatch.Agent.Intake;
using Flamewatch.Agent.Storage;
using Flamewatch.Hosting;

namespace Flamewatch.Agent;

/// <summary>The agent's Prometheus metrics at <c>/metrics</c>: uploads, stored profiles and bytes, queries. Every series present from the start at zero.</summary>
internal sealed class AgentMetrics(ProfileStore store)
{
    private static readonly string[] UploadPaths = [DatadogIntake.Path, PyroscopeIngest.Path, PyroscopePush.Path];

    private readonly ConcurrentDictionary<(string Path, string Result), long> _uploads = new(
        UploadPaths.SelectMany(path => new[] { new KeyValuePair<(string, string), long>((path, "accepted"), 0), new((path, "rejected"), 0) }));

    private readonly ConcurrentDictionary<(string Path, string Result), long> _queries = new();
    private long _profilesStored;
    private long _bytesStored;

    /// <summary>Counts a finished request to an upload or query route (others are not counted), by the route's pattern.</summary>
    public void RequestCompleted(string? route, int statusCode)
    {
        var result = statusCode is >= 200 and < 300 ? "accepted" : "rejected";
        if (route is null)
        {
            return;
        }

        if (UploadPaths.Contains(route, StringComparer.Ordinal))
        {
            _uploads.AddOrUpdate((route, result), 1, (_, n) => n + 1);
        }
        else if (route.StartsWith("/api/", StringComparison.Ordinal))
        {
            var path = route;
            _queries.AddOrUpdate((path, statusCode is >= 200 and < 300 ? "ok" : "error"), 1, (_, n) => n + 1);
        }
    }

    public void ProfileStored(long bytes)
    {
        Interlocked.Increment(ref _profilesStored);
        Interlocked.Add(ref _bytesStored, bytes);
    }

    public string ToPrometheusText()
    {
        var text = new PrometheusTextWriter()
            .Family("flamewatch_agent_uploads_total", PrometheusMetricType.Counter, "Upload requests answered, by intake path and result (accepted: 2xx; rejected: any error answer)");
        foreach (var ((path, result), count) in _uploads.OrderBy(u => u.Key))
        {
            text.Sample("flamewatch_agent_uploads_total", count, ("path", path), ("result", result));
        }

        text.Family("flamewatch_agent_profiles_stored_total", PrometheusMetricType.Counter, "Profiles durably stored", Interlocked.Read(ref _profilesStored))
            .Family("flamewatch_agent_stored_bytes_total", PrometheusMetricType.Counter, "Bytes of sample data stored", Interlocked.Read(ref _bytesStored))
            .Family("flamewatch_agent_store_bytes", PrometheusMetricType.Gauge, "Bytes of sample data in the store now (after retention)", store.StoredBytes)
            .Family("flamewatch_agent_queries_total", PrometheusMetricType.Counter, "Query API requests answered, by path and result");
        foreach (var ((path, result), count) in _queries.OrderBy(q => q.Key))
        {
            text.Sample("flamewatch_agent_queries_total", count, ("path", path), ("result", result));
        }

        return text.ToString();
    }
}
