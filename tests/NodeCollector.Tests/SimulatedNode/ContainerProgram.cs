namespace Flamewatch.NodeCollector.Tests.SimulatedNode;

/// <summary>What a simulated container runs.</summary>
internal enum ContainerProgram
{
    /// <summary>The .NET sleeper target, diagnostics on (default).</summary>
    DotNet,

    /// <summary>The .NET sleeper target started with <c>DOTNET_EnableDiagnostics=0</c>.</summary>
    DotNetDiagnosticsDisabled,

    /// <summary><c>cat</c>: a process that is not .NET (like the target, it ends when its stdin closes).</summary>
    NotDotNet,
}
