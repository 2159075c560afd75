using System.Net;

namespace Flamewatch.TestKit.Processes;

/// <summary>Runs one of the product's executables (<c>flamewatch-agent.dll</c>, ...) as a real process.</summary>
public static class Executable
{
    /// <summary>Runs the executable to completion (at most a minute) and returns its exit code and output.</summary>
    public static Task<CommandResult> RunAsync(string assembly, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null) =>
        Command.RunAsync(ChildProcess.DotNetHost, [ChildProcess.AssemblyPath(assembly), .. arguments], environment, timeout: TimeSpan.FromMinutes(1));

    /// <summary>
    /// Starts the executable, waits until its <c>/readyz</c> at <paramref name="baseAddress"/> answers 200 (or until
    /// <paramref name="cancellationToken"/>), then asks <c>/healthz</c> and <c>/metrics</c>, and stops it.
    /// </summary>
    public static async Task<ProbeAnswers> ProbeAsync(
        string assembly, IEnumerable<string> arguments, Uri baseAddress, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        using var process = ChildProcess.Start(assembly, arguments, environment);
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
        var readyz = HttpStatusCode.ServiceUnavailable;
        while (readyz != HttpStatusCode.OK)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{assembly} exited with {process.ExitCode}: {process.Tail(10)}");
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
