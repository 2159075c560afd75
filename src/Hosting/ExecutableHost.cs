using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;
using Flamewatch.Settings;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Flamewatch.Hosting;

/// <summary>
/// The host style of Flamewatch's executables: <c>--help</c> prints the flags (exit code 0); a bad flag, a bad value or
/// an invalid configuration is one line on stderr, <c>executable: what is wrong</c>, with exit code 2, never a stack
/// trace; every process serves <c>/healthz</c>, <c>/readyz</c> and <c>/metrics</c>.
/// </summary>
public static partial class ExecutableHost
{
    public const int ExitConfigurationError = 2;

    /// <summary>Parses <paramref name="args"/>; runs the chosen command's action unless the command line is wrong.</summary>
    public static async Task<int> InvokeAsync(string executable, RootCommand root, string[] args)
    {
        var result = root.Parse(args);
        var errors = result.Errors.Select(e => e.Message)
            .Concat(result.UnmatchedTokens.Where(t => !ConfigurationArgument().IsMatch(t)).Select(t => $"Unrecognized command or argument '{t}'."))
            .Distinct()
            .ToList();
        if (errors.Count > 0)
        {
            // Every error, on one line: the first is not always the one that names the bad token.
            await Console.Error.WriteLineAsync($"{executable}: {OneLine(string.Join(' ', errors))}").ConfigureAwait(false);
            return ExitConfigurationError;
        }

        return await result.InvokeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// A root command of <paramref name="flags"/> whose action passes the flags given, as <c>--Key value</c> pairs of
    /// configuration, to <paramref name="run"/>. Any configuration key may also be set as <c>Section:Key=value</c>
    /// (or <c>--Section:Key=value</c>), as the configuration's command-line provider reads it; any other argument is
    /// an error.
    /// </summary>
    public static RootCommand CreateRootCommand(string description, IReadOnlyList<HostFlag> flags, Func<string[], CancellationToken, Task<int>> run)
    {
        var root = new RootCommand(description) { TreatUnmatchedTokensAsErrors = false };

        var options = flags.Select(flag => (Flag: flag, Option: CreateOption(flag))).ToList();
        foreach (var (_, option) in options)
        {
            root.Options.Add(option);
        }

        root.SetAction((result, cancellationToken) =>
        {
            var configuration = new List<string>();
            foreach (var (flag, option) in options)
            {
                if (result.GetResult(option) is { Implicit: false } given)
                {
                    configuration.Add($"--{flag.Key}");
                    configuration.Add(given.Tokens.Count > 0 ? given.Tokens[^1].Value : "true");
                }
            }

            configuration.AddRange(result.UnmatchedTokens);
            return run([.. configuration], cancellationToken);
        });
        return root;
    }

    /// <summary>
    /// Builds the host, runs <paramref name="preflight"/> (resolve what must be valid before anything starts), then
    /// runs until shutdown. A configuration error at any of these steps (a value the configuration binder cannot
    /// convert, failed options validation, or what <paramref name="isConfigurationError"/> accepts) is one line and
    /// exit code 2.
    /// </summary>
    public static async Task<int> RunAsync(
        string executable,
        Func<WebApplication> build,
        Action<IServiceProvider> preflight,
        Func<Exception, bool> isConfigurationError,
        CancellationToken cancellationToken)
    {
        try
        {
            var app = build();
            await using (app.ConfigureAwait(false))
            {
                preflight(app.Services);
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
                await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
                await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is OptionsValidationException || IsBindingError(exception) || isConfigurationError(exception))
        {
            var message = IsBindingError(exception) && exception.InnerException is { } inner ? $"{exception.Message} {inner.Message}" : exception.Message;
            await Console.Error.WriteLineAsync($"{executable}: {OneLine(message)}").ConfigureAwait(false);
            return ExitConfigurationError;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        return 0;
    }

    /// <summary>
    /// Maps <c>/healthz</c> (200 unless <paramref name="unhealthy"/> says why not: 500), <c>/readyz</c> (200 unless
    /// <paramref name="notReady"/> says why not: 503) and <c>/metrics</c> (the Prometheus text of <paramref name="metrics"/>).
    /// </summary>
    public static void MapProbes(
        this WebApplication app,
        Func<IServiceProvider, string?> unhealthy,
        Func<IServiceProvider, string?> notReady,
        Func<IServiceProvider, string> metrics)
    {
        // Request delegates rather than handlers the framework binds by reflection: the collector is a Native AOT build.
        app.MapGet("/healthz", context => (unhealthy(context.RequestServices) is { } problem
            ? Results.Text(problem + "\n", statusCode: StatusCodes.Status500InternalServerError)
            : Results.Text("ok\n")).ExecuteAsync(context));
        app.MapGet("/readyz", context => (notReady(context.RequestServices) is { } reason
            ? Results.Text(reason + "\n", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Text("ok\n")).ExecuteAsync(context));
        app.MapGet("/metrics", context => Results.Text(metrics(context.RequestServices), PrometheusTextWriter.ContentType).ExecuteAsync(context));
    }

    private static Option CreateOption(HostFlag flag)
    {
        Option option = flag.ValueType switch
        {
            var t when t == typeof(string) => new Option<string>(flag.Name),
            var t when t == typeof(int) => new Option<int>(flag.Name),
            var t when t == typeof(long) => new Option<long>(flag.Name),
            // A flag alone means true; a value must be true or false (rather than an unrecognized argument).
            var t when t == typeof(bool) => new Option<string>(flag.Name)
            {
                Arity = ArgumentArity.ZeroOrOne,
                Validators =
                {
                    result =>
                    {
                        if (result.Tokens.Count > 0 && !bool.TryParse(result.Tokens[0].Value, out _))
                        {
                            result.AddError($"{flag.Name}: '{result.Tokens[0].Value}' is neither true nor false");
                        }
                    },
                },
            },
            var t when t == typeof(TimeSpan) => new Option<TimeSpan>(flag.Name)
            {
                CustomParser = result =>
                {
                    var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : null;
                    if (!GoDuration.TryParseOption(text, out var duration, out var error))
                    {
                        result.AddError($"{flag.Name}: {error}");
                    }

                    return duration;
                },
            },
            _ => throw new ArgumentOutOfRangeException(nameof(flag), flag.ValueType, "flags are strings, integers, booleans or durations"),
        };
        option.Description = flag.Description;
        return option;
    }

    /// <summary>
    /// Rewrites the durations under <paramref name="keys"/> of <paramref name="section"/> (<c>10s</c>, <c>1m30s</c>, or
    /// the legacy <c>00:00:10</c>) to <see cref="TimeSpan"/>'s invariant form, which every configuration binder reads:
    /// the source-generated binder of a Native AOT build parses <see cref="TimeSpan"/> itself and never asks
    /// <see cref="GoDurationConverter"/>. A value that is no duration fails as the binder fails (one line, exit code 2).
    /// </summary>
    public static void NormalizeDurations(IConfigurationSection section, IEnumerable<string> keys)
    {
        foreach (var key in keys)
        {
            if (section[key] is not { } text)
            {
                continue;
            }

            if (!GoDuration.TryParseOption(text, out var duration, out var error))
            {
                throw new InvalidOperationException(
                    $"Failed to convert configuration value '{text}' at '{section.Path}:{key}' to type '{typeof(TimeSpan)}'.", new FormatException(error));
            }

            section[key] = duration.ToString("c", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The configuration binder's "Failed to convert configuration value ... at 'Section:Key'".</summary>
    private static bool IsBindingError(Exception exception) =>
        exception is InvalidOperationException && exception.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal);

    /// <summary>A configuration key with a section, set on the command line: <c>Operator:LeaseDuration=3s</c>.</summary>
    [GeneratedRegex(@"^(--|/)?[A-Za-z][A-Za-z0-9_.]*(:[A-Za-z0-9_.]+)+=")]
    private static partial Regex ConfigurationArgument();

    private static string OneLine(string message) => string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
