namespace Flamewatch.NodeCollector.Supervision;

/// <summary>Reasons of the Kubernetes Events the collector records on pods (documented in docs/collector.md). Never rename.</summary>
internal static class EventReasons
{
    /// <summary>Normal: a session started on a container's .NET process.</summary>
    public const string Attached = "Attached";

    /// <summary>Warning: an annotated pod has started containers but no .NET process with a diagnostic socket.</summary>
    public const string NoDotNetProcess = "NoDotNetProcess";

    /// <summary>Warning: a .NET process runs with <c>DOTNET_EnableDiagnostics=0</c> and cannot be profiled.</summary>
    public const string DiagnosticsDisabled = "DiagnosticsDisabled";

    /// <summary>Warning: the collector could not attach to, or keep profiling, a .NET process; the message gives the reason.</summary>
    public const string AttachFailed = "AttachFailed";

    /// <summary>
    /// Normal: a session samples duty-cycled because the process started without a DOTNET_EventPipeThreadSamplingRate for
    /// the configured frequency; the message says to restart the pod for continuous sampling.
    /// </summary>
    public const string DutyCycled = "DutyCycled";

    /// <summary>Warning: an annotation value was rejected and its default used; the message names the key.</summary>
    public const string InvalidAnnotation = "InvalidAnnotation";
}
