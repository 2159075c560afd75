using Flamewatch.Profiling.Attach;

namespace Flamewatch.Profiling.Tests.Unit;

/// <summary>The runtime's own reading of its diagnostics switches, which both the collector's discovery and the attacher apply.</summary>
public sealed class DiagnosticsEnvironmentTests
{
    [Theory]
    [InlineData("DOTNET_EnableDiagnostics=0", true)]
    [InlineData("DOTNET_EnableDiagnostics=0x0", true)]
    [InlineData("COMPlus_EnableDiagnostics=0", true)]
    [InlineData("DOTNET_EnableDiagnostics_IPC=0", true)]
    [InlineData("COMPlus_EnableDiagnostics_IPC=0", true)]
    [InlineData("DOTNET_EnableDiagnostics=1", false)]
    [InlineData("DOTNET_EnableDiagnostics=1;COMPlus_EnableDiagnostics=0", false)]
    [InlineData("DOTNET_EnableDiagnostics=yes", false)]
    [InlineData("DOTNET_EnableDiagnostics_Debugger=0", false)]
    [InlineData("", false)]
    public void Diagnostics_switches_are_read_as_the_runtime_reads_them(string variables, bool disabled)
    {
        var environment = variables.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => v.Split('='))
            .ToDictionary(v => v[0], v => v[1]);

        Assert.Equal(disabled, DiagnosticsEnvironment.IsIpcDisabled(environment));
    }
}
