namespace Flamewatch.TestKit.SimulatedNodes;

/// <summary>What a simulated container runs.</summary>
public enum ContainerProgram
{
    /// <summary>The .NET sleeper (<c>tests/TestKit/Sleeper</c>), diagnostics on (default).</summary>
    DotNet,

    /// <summary>The .NET sleeper started with <c>DOTNET_EnableDiagnostics=0</c>.</summary>
    DotNetDiagnosticsDisabled,

    /// <summary><c>cat</c>: a process that is not .NET (like the sleeper, it ends when its stdin closes).</summary>
    NotDotNet,
}
