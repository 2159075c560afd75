using System.Globalization;

namespace Flamewatch.Profiling.Attach;

/// <summary>
/// How the .NET runtime reads the environment settings that decide where, and whether, it opens its diagnostic socket.
/// The collector's discovery and <see cref="TargetAttacher"/> both judge a process by these rules.
/// </summary>
internal static class DiagnosticsEnvironment
{
    /// <summary>The directory for the socket, when set and non-empty; otherwise the runtime uses <c>/tmp</c>.</summary>
    public const string TempDirectoryVariable = "TMPDIR";

    private static readonly string[] s_enableDiagnostics = ["DOTNET_EnableDiagnostics", "COMPlus_EnableDiagnostics"];
    private static readonly string[] s_enableDiagnosticsIpc = ["DOTNET_EnableDiagnostics_IPC", "COMPlus_EnableDiagnostics_IPC"];

    /// <summary>
    /// True when the environment turns the diagnostic IPC off: <c>EnableDiagnostics</c> or <c>EnableDiagnostics_IPC</c>
    /// set to zero, with the <c>DOTNET_</c> prefix taking precedence over <c>COMPlus_</c>. The runtime parses these values as hex.
    /// </summary>
    public static bool IsIpcDisabled(IReadOnlyDictionary<string, string> environment) =>
        IsZero(environment, s_enableDiagnostics) || IsZero(environment, s_enableDiagnosticsIpc);

    private static bool IsZero(IReadOnlyDictionary<string, string> environment, string[] names)
    {
        foreach (var name in names)
        {
            if (!environment.TryGetValue(name, out var value))
            {
                continue;
            }

            var text = value.Trim();
            if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                text = text[2..];
            }

            return ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var number) && number == 0;
        }

        return false;
    }
}
