using System.CommandLine;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;
using Flamewatch.Profiling;
using Flamewatch.Profiling.Attach;
using Flamewatch.Profiling.Export;
using Flamewatch.Profiling.Local;
using Flamewatch.Settings;
using Microsoft.Extensions.Logging;

namespace Flamewatch.NodeCollector.Local;

/// <summary>
/// <c>flamewatch-collector profile --pid N [--duration 30s] [--period 45s] [--frequency 100] [--profile-types cpu,wall,exceptions,...]
/// (--output file.pb.gz|dir | --agent http://host:port|unix:///path.sock)</c>: profiles one local process and writes pprof
/// files, or uploads one profile per period to an agent (until Ctrl-C or the process exits, unless --duration is given).
/// Exit codes: 0 success (Ctrl-C included, once profiling runs), 1 usage error, 2 cannot profile the process (not found,
/// not .NET, diagnostics disabled, permission), 3 the process exited or the stream failed, 130 Ctrl-C before profiling started.
/// </summary>
internal static class ProfileCommand
{
    public const int ExitCannotProfile = 2;
    public const int ExitEndedEarly = 3;
    public const int ExitInterrupted = 130;

    public static Command Create()
    {
        var pid = new Option<int>("--pid") { Description = "ID of the .NET process to profile.", Required = true };
        var duration = DurationOption("--duration", "How long to profile (e.g. 30s, 2m). Default: 30s when writing files, until Ctrl-C when uploading.", null);
        var period = DurationOption("--period", "Aggregation window: one profile per period (default 45s, or the duration when writing one file).", null);
        var frequency = new Option<int>("--frequency") { Description = "Average thread samples per second (1-1000).", DefaultValueFactory = _ => 100 };
        frequency.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 1000)
            {
                r.AddError("--frequency must be between 1 and 1000.");
            }
        });
        var output = new Option<string?>("--output", "-o")
        {
            Description = "A .pb.gz file (one profile for the whole duration) or a directory (one file per period).",
        };
        var agent = new Option<string?>("--agent")
        {
            Description = "Upload each period to this agent instead: http://host:port or unix:///path.sock. A bearer token is read from FLAMEWATCH_TOKEN.",
        };
        agent.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } address && !IsAgentAddress(address))
            {
                r.AddError($"--agent: '{address}' is not http://host:port, https://host:port or unix:///path.sock.");
            }
        });
        var protocol = new Option<string>("--agent-protocol")
        {
            Description = "What the agent speaks: datadog (the Datadog/Blackfire agent intake, Flamewatch's agent) or pyroscope (/ingest).",
            DefaultValueFactory = _ => "datadog",
        };
        protocol.AcceptOnlyFromAmong("datadog", "pyroscope");
        var applicationName = new Option<string?>("--application-name")
        {
            Description = "Service name the profiles are uploaded under (default: the target's entry assembly or process name).",
        };
        var uploadTimeout = DurationOption("--upload-timeout", "How long one upload may take before it is abandoned and retried (default 10s).", TimeSpan.FromSeconds(10));
        uploadTimeout.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<TimeSpan?>() is { } value && value > TimeSpan.FromMinutes(10))
            {
                r.AddError($"--upload-timeout must be at most 10m (was {value.TotalSeconds:0.#}s).");
            }
        });
        var labels = new Option<string[]>("--label")
        {
            Description = "A custom label added to every profile, as key=value; repeatable.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        labels.Validators.Add(r =>
        {
            foreach (var label in r.GetValueOrDefault<string[]>() ?? [])
            {
                if (label.IndexOf('=', StringComparison.Ordinal) is < 1)
                {
                    r.AddError($"--label: '{label}' is not key=value.");
                }
            }
        });
        var types = new Option<ProfileTypes>("--profile-types")
        {
            Description = "Comma-separated dimensions: cpu, wall, allocations, allocatedMemory, heapLiveSize, exceptions, lockContention "
                + "(default: cpu, wall, allocations, allocatedMemory, heapLiveSize).",
            DefaultValueFactory = _ => ProfileTypes.Default,
            CustomParser = r =>
            {
                var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : string.Empty;
                var parsed = ProfileTypes.None;
                foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    var type = ProfileTypeNames.Each.FirstOrDefault(t => string.Equals(ProfileTypeNames.ToWireName(t), name, StringComparison.OrdinalIgnoreCase));
                    if (type == ProfileTypes.None)
                    {
                        r.AddError($"--profile-types: unknown type '{name}'; use cpu, wall, allocations, allocatedMemory, heapLiveSize, exceptions, lockContention.");
                        return ProfileTypes.None;
                    }
                    parsed |= type;
                }
                if (parsed == ProfileTypes.None)
                {
                    r.AddError("--profile-types: name at least one type.");
                }
                return parsed;
            },
        };
        var verbose = new Option<bool>("--verbose") { Description = "Log each period." };

        var command = new Command("profile", "Profile a local .NET process and write pprof files or upload them to an agent.")
        {
            pid, duration, period, frequency, output, agent, protocol, applicationName, uploadTimeout, labels, types, verbose,
        };
        command.Validators.Add(r =>
        {
            if ((r.GetValue(output) is null) == (r.GetValue(agent) is null))
            {
                r.AddError("Give either --output (write pprof files) or --agent (upload to an agent).");
            }
        });
        command.SetAction((result, cancellationToken) =>
        {
            var destination = result.GetValue(agent) is { } address
                ? new Destination(null, new AgentTarget(address, result.GetValue(protocol)!, result.GetValue(uploadTimeout)!.Value))
                : new Destination(result.GetValue(output), null);
            return RunAsync(
                result.GetValue(pid),
                result.GetValue(duration),
                result.GetValue(period),
                result.GetValue(frequency),
                destination,
                result.GetValue(applicationName),
                ParseLabels(result.GetValue(labels)),
                result.GetValue(types),
                result.GetValue(verbose),
                cancellationToken);
        });
        return command;
    }

    private static Option<TimeSpan?> DurationOption(string name, string description, TimeSpan? defaultValue)
    {
        var option = new Option<TimeSpan?>(name)
        {
            Description = description,
            CustomParser = r =>
            {
                var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : null;
                if (!GoDuration.TryParseOption(text, out var value, out var error) || value <= TimeSpan.Zero)
                {
                    r.AddError($"{name}: {(error.Length > 0 ? error : "must be greater than zero")}.");
                    return null;
                }
                return value;
            },
        };
        if (defaultValue is not null)
        {
            option.DefaultValueFactory = _ => defaultValue;
        }
        return option;
    }

    private static async Task<int> RunAsync(
        int pid,
        TimeSpan? requestedDuration,
        TimeSpan? period,
        int frequency,
        Destination destination,
        string? applicationName,
        IReadOnlyDictionary<string, string> labels,
        ProfileTypes types,
        bool verbose,
        CancellationToken cancellationToken)
    {
        var output = destination.Output;
        var isDirectory = output is null || Directory.Exists(output) || output.EndsWith('/') || !output.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        // Files: 30 s by default. Uploads: until Ctrl-C or the target exits.
        var duration = requestedDuration ?? (output is null ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(30));
        if (!isDirectory && period is { } p && p < duration)
        {
            return Fail(1, $"--output {output} is one file but --period {p.TotalSeconds}s is shorter than --duration {duration.TotalSeconds}s; give a directory to get one file per period.");
        }
        var options = new ProfilingOptions
        {
            Period = period ?? (isDirectory ? TimeSpan.FromSeconds(45) : duration),
            FrequencyHz = frequency,
            ProfileTypes = types,
            ApplicationName = applicationName ?? TargetNames.ApplicationName(pid) ?? "local",
            Tags = labels,
        };
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            return Fail(1, string.Join(" ", errors));
        }

        // The first Ctrl-C (or SIGTERM) stops profiling and keeps what was collected: the partial period is written or
        // uploaded (within the upload timeout) before the process exits. A second one ends the process at once.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var signals = 0;
        void OnSignal(PosixSignalContext context)
        {
            if (Interlocked.Increment(ref signals) == 1)
            {
                context.Cancel = true;
                stopping.Cancel();
            }
        }
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        // Log lines go to stderr with the other messages; stdout carries only the paths of written files.
        using var loggerFactory = LoggerFactory.Create(b => b
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddSimpleConsole(o => o.SingleLine = true)
            .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Warning));
        await using var exporter = ChooseExporter(destination, isDirectory, loggerFactory);
        await using var session = new ProfilingSession(pid, options, exporter, loggerFactory.CreateLogger("Flamewatch.Profiling"));
        AttachResult attach;
        try
        {
            attach = await session.StartAsync(stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return Fail(ExitInterrupted, "interrupted before profiling started.");
        }
        if (!attach.Succeeded)
        {
            return Fail(ExitCannotProfile, attach.Message);
        }
        Console.Error.WriteLine(duration == Timeout.InfiniteTimeSpan
            ? $"Profiling process {pid} as '{options.ApplicationName}' at {frequency} Hz, uploading every {options.Period.TotalSeconds:0.#}s to {destination.Agent!.Address}; Ctrl-C stops."
            : $"Profiling process {pid} for {duration.TotalSeconds:0.#}s at {frequency} Hz ...");
        await Task.WhenAny(session.Completion, Task.Delay(duration, stopping.Token)).ConfigureAwait(false);
        if (stopping.IsCancellationRequested && destination.Agent is { } target)
        {
            Console.Error.WriteLine($"Stopping: uploading the last, partial period (at most {target.UploadTimeout.TotalSeconds:0.#}s); Ctrl-C again quits at once.");
        }
        var result = await session.StopAsync(CancellationToken.None).ConfigureAwait(false);
        if (exporter.Inner is FileProfileExporter files)
        {
            foreach (var file in files.Written)
            {
                Console.WriteLine(file);
            }
        }
        return result.End switch
        {
            SessionEnd.Stopped => 0,
            _ => Fail(ExitEndedEarly, result.Message),
        };
    }

    private static OwnedExporter ChooseExporter(Destination destination, bool isDirectory, ILoggerFactory loggerFactory)
    {
        if (destination.Agent is not { } agent)
        {
            return new OwnedExporter(new FileProfileExporter(destination.Output!, isDirectory), null);
        }

        var token = Environment.GetEnvironmentVariable("FLAMEWATCH_TOKEN") is { Length: > 0 } t ? t : null;
        IProfileExporter sender = agent.Protocol == "pyroscope"
            ? new PyroscopeExporter(agent.Address, agent.UploadTimeout, token)
            : new DatadogAgentExporter(agent.Address, agent.UploadTimeout, token);
        // Closing (at Ctrl-C or the end of --duration) delivers what is queued, the last partial period included,
        // within one upload timeout.
        var retrying = new RetryingExporter(sender, new RetryingExporterOptions { DrainTimeout = agent.UploadTimeout }, logger: loggerFactory.CreateLogger("Flamewatch.Export"));
        return new OwnedExporter(retrying, (IDisposable)sender);
    }

    private static bool IsAgentAddress(string address) =>
        address.StartsWith("unix:///", StringComparison.OrdinalIgnoreCase)
        || (Uri.TryCreate(address, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps));

    private static Dictionary<string, string> ParseLabels(string[]? labels)
    {
        var parsed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var label in labels ?? [])
        {
            var equals = label.IndexOf('=', StringComparison.Ordinal);
            parsed[label[..equals]] = label[(equals + 1)..];
        }
        return parsed;
    }

    private sealed record Destination(string? Output, AgentTarget? Agent);

    private sealed record AgentTarget(string Address, string Protocol, TimeSpan UploadTimeout);

    /// <summary>The exporter a session writes to, and the disposables behind it (retry queue first, then the sender).</summary>
    private sealed class OwnedExporter(IProfileExporter inner, IDisposable? sender) : IProfileExporter, IAsyncDisposable
    {
        public IProfileExporter Inner => inner;

        public Task ExportAsync(ProfileUpload upload, CancellationToken cancellationToken) => inner.ExportAsync(upload, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            if (inner is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            }
            sender?.Dispose();
        }
    }

    private static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return code;
    }
}
