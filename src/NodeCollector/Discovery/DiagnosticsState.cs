namespace Flamewatch.NodeCollector.Discovery;

/// <summary>Whether a discovered .NET process can be attached to.</summary>
internal enum DiagnosticsState
{
    /// <summary>Its diagnostic socket is there.</summary>
    Available,

    /// <summary>It runs with <c>DOTNET_EnableDiagnostics=0</c>; report it, don't attach.</summary>
    Disabled,
}
