using System.Diagnostics;

namespace Flamewatch.E2E.Tests;

internal sealed record ShellResult(int ExitCode, string StdOut, string StdErr)
{
    public string Output => StdOut + StdErr;
}

/// <summary>Runs real tools (kubectl, helm, docker) with a timeout.</summary>
internal static class Shell
{
    public static ShellResult Run(string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? stdin = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
            WorkingDirectory = Repository.Root,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new ShellResult(127, string.Empty, $"{fileName}: {e.Message}");
        }

        using (process)
        {
            if (stdin is not null)
            {
                process.StandardInput.Write(stdin);
                process.StandardInput.Close();
            }

            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return new ShellResult(124, stdout.Result, stderr.Result + $"\n{fileName} timed out after {timeout}");
            }

            return new ShellResult(process.ExitCode, stdout.Result, stderr.Result);
        }
    }
}
