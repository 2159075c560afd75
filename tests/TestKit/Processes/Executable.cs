using System.Net;

namespace Flamewatch.TestKit.Processes;

/// <summary>Runs one of the product's executables (<c>flamewatch-agent.dll</c>, ...) as a real process.</summary>
public static class Executable
{
    /// <summary>Runs the executable to completion (at most a minute) and returns its exit code and output.</summary>
    public static Task<CommandResult> RunAsync(string assembly, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null) =>
        Command.RunAsync(ChildProcess.DotNetHost, [ChildProcess.AssemblyPath(assembly), .. arguments], environment, timeout: TimeSpan.FromMinutes(1));

    /// <summary>
    /// Runs the executable, which must refuse its configuration as the host style says: exit code 2 and exactly one
    /// line on stderr, <c>executable: ...</c>, without a stack trace. Returns that line; throws with the output otherwise.
    /// </summary>
    public static async Task<string> ConfigurationErrorAsync(string assembly, IEnumerable<string> arguments)
    {
        var result = await RunAsync(assembly, arguments).ConfigureAwait(false);
        var lines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var prefix = Path.GetFileNameWithoutExtension(assembly) + ": ";
        return result.ExitCode == 2 && lines.Length == 1 && lines[0].StartsWith(prefix, StringComparison.Ordinal) && !result.Output.Contains("   at ", StringComparison.Ordinal)
            ? lines[0]
            : throw new InvalidOperationException($"expected exit code 2 and one line starting '{prefix}', got {result.ExitCode}: {result.Output}");
    }

    /// <summary>Runs <c>--help</c> (after <paramref name="command"/>, if any); returns what it printed, or throws unless the exit code is 0.</summary>
    public static async Task<string> HelpAsync(string assembly, params string[] command)
    {
        var result = await RunAsync(assembly, [.. command, "--help"]).ConfigureAwait(false);
        return result.ExitCode == 0 ? result.StdOut : throw new InvalidOperationException($"--help exited with {result.ExitCode}: {result.Output}");
    }

    /// <summary>
    /// Starts the executable, waits until its <c>/readyz</c> at <paramref name="baseAddress"/> answers 200 (or until
    /// <paramref name="cancellationToken"/>), then asks <c>/healthz</c> and <c>/metrics</c>, and stops it.
    /// </summary>
    public static async Task<ProbeAnswers> StartAndProbeAsync(string assembly, IEnumerable<string> arguments, Uri baseAddress, CancellationToken cancellationToken)
    {
        using var process = ChildProcess.Start(assembly, arguments);
        return await ProbeAsync(baseAddress, cancellationToken, () => process.HasExited ? $"{assembly} exited with {process.ExitCode}: {process.Tail(10)}" : null).ConfigureAwait(false);
    }

    /// <summary>Waits until <c>/readyz</c> answers 200, then asks <c>/healthz</c> and <c>/metrics</c>.</summary>
    /// <param name="gone">Says why waiting is pointless (the process exited), or null.</param>
    public static async Task<ProbeAnswers> ProbeAsync(Uri baseAddress, CancellationToken cancellationToken, Func<string?>? gone = null)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
        var readyz = HttpStatusCode.ServiceUnavailable;
        while (readyz != HttpStatusCode.OK)
        {
            if (gone?.Invoke() is { } reason)
            {
                throw new InvalidOperationException(reason);
            }

            try
            {
                using var ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative), cancellationToken).ConfigureAwait(false);
                readyz = ready.StatusCode;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (readyz != HttpStatusCode.OK)
            {
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }

        using var health = await http.GetAsync(new Uri("/healthz", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        using var metrics = await http.GetAsync(new Uri("/metrics", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        var text = await metrics.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return new ProbeAnswers(health.StatusCode, readyz, metrics.StatusCode, metrics.Content.Headers.ContentType?.ToString(), text);
    }
}
