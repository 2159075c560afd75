using System.Text;

namespace Flamewatch.NodeCollector.Local;

/// <summary>A default application name for a local process: its entry assembly (<c>dotnet app.dll</c>) or its executable.</summary>
internal static class TargetNames
{
    public static string? ApplicationName(int pid, string procRoot = "/proc")
    {
        try
        {
            var arguments = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(procRoot, pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "cmdline")))
                .Split('\0', StringSplitOptions.RemoveEmptyEntries);
            return FromCommandLine(arguments);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary><c>dotnet [host options] App.dll</c> → <c>App</c>; an apphost <c>/app/App</c> → <c>App</c>.</summary>
    internal static string? FromCommandLine(IReadOnlyList<string> arguments)
    {
        if (arguments.Count == 0)
        {
            return null;
        }
        var executable = Path.GetFileName(arguments[0]);
        if (executable is "dotnet" or "dotnet.exe")
        {
            var assembly = arguments.Skip(1).FirstOrDefault(a => a.EndsWith(".dll", StringComparison.OrdinalIgnoreCase));
            return assembly is null ? null : Path.GetFileNameWithoutExtension(assembly);
        }
        return string.IsNullOrEmpty(executable) ? null : executable;
    }
}
