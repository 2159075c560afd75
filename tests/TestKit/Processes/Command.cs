using System.Diagnostics;

namespace Flamewatch.TestKit.Processes;

/// <summary>Runs a command-line tool to completion and captures what it printed.</summary>
public static class Command
{
    private static readonly TimeSpan s_defaultTimeout = TimeSpan.FromMinutes(1);

    /// <param name="environment">Variables to set; a null value removes the variable.</param>
    /// <param name="workingDirectory">null: this process's current directory.</param>
    /// <param name="timeout">null: one minute. On expiry the process tree is killed and <see cref="TimeoutException"/> thrown.</param>
    /// <param name="stdin">Written to the command's standard input, which is then closed; null: no input.</param>
    /// <exception cref="System.ComponentModel.Win32Exception">The program does not exist.</exception>
    public static async Task<CommandResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null,
        TimeSpan? timeout = null,
        string? stdin = null,
        CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + fileName);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout ?? s_defaultTimeout);
        var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin.AsMemory(), deadline.Token).ConfigureAwait(false);
                process.StandardInput.Close();
            }

            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new TimeoutException($"{fileName} {string.Join(' ', start.ArgumentList)} did not finish within {(timeout ?? s_defaultTimeout).TotalSeconds:0} s");
        }

        return new CommandResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>The synchronous form of <see cref="RunAsync"/>, for callers that cannot await (capability probes, fixtures' constructors).</summary>
    public static CommandResult Run(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null,
        TimeSpan? timeout = null,
        string? stdin = null) =>
        Task.Run(() => RunAsync(fileName, arguments, environment, workingDirectory, timeout, stdin)).GetAwaiter().GetResult();
}
