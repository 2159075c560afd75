namespace Flamewatch.NodeCollector.Hosting;

/// <summary>How profiles are sent to <c>--agent</c>.</summary>
internal enum AgentProtocol
{
    /// <summary>Datadog agent profiling intake, <c>POST /profiling/v1/input</c> (Flamewatch's agent, Datadog and Blackfire agents).</summary>
    Datadog,

    /// <summary>Grafana Pyroscope <c>POST /ingest</c>.</summary>
    Pyroscope,
}
