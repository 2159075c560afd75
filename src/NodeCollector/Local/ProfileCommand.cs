using System.CommandLine;
using System.CommandLine.Parsing;
using Flamewatch.Profiling;
using Flamewatch.Profiling.Export;
using Flamewatch.Profiling.Local;
using Microsoft.Extensions.Logging;

namespace Flamewatch.NodeCollector.Local;

/// <summary>
/// <c>flamewatch-collector profile --pid N [--duration 30s] [--period 45s] [--frequency 100] [--profile-types cpu,wall,...] --output file.pb.gz|dir</c>:
/// profiles one local process and writes pprof files. Exit codes: 0 success, 1 usage error, 2 cannot profile the
/// process (not found, not .NET, diagnostics disabled, permission), 3 the process exited or the stream failed.
/// </summary>
internal static class ProfileCommand
{
    public const int ExitCannotProfile = 2;
    public const int ExitEndedEarly = 3;

    public static Command Create()
    {
        var pid = new Option<int>("--pid") { Description = "ID of the .NET process to profile.", Required = true };
        var duration = DurationOption("--duration", "How long to profile (e.g. 30s, 2m).", TimeSpan.FromSeconds(30));
        var period = DurationOption("--period", "Aggregation window: one profile per period (default 45s, or the duration when writing one file).", null);
        var frequency = new Option<int>("--frequency") { Description = "Average thread samples per second (1-1000).", DefaultValueFactory = _ => 100 };
        frequency.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 1000)
            {
                r.AddError("--frequency must be between 1 and 1000.");
            }
        });
        var output = new Option<string>("--output", "-o")
        {
            Description = "A .pb.gz file (one profile for the whole duration) or a directory (one file per period).",
            Required = true,
        };
        var types = new Option<ProfileTypes>("--profile-types")
        {
            Description = "Comma-separated dimensions: cpu, wall, allocations, allocatedMemory, heapLiveSize (default: all).",
            DefaultValueFactory = _ => ProfileTypes.All,
            CustomParser = r =>
            {
                var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : string.Empty;
                var parsed = ProfileTypes.None;
                foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (!Enum.TryParse<ProfileTypes>(name, ignoreCase: true, out var type) || type is ProfileTypes.None or ProfileTypes.All
                        || name.All(char.IsAsciiDigit))
                    {
                        r.AddError($"--profile-types: unknown type '{name}'; use cpu, wall, allocations, allocatedMemory, heapLiveSize.");
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

        var command = new Command("profile", "Profile a local .NET process and write pprof files.") { pid, duration, period, frequency, output, types, verbose };
        command.SetAction((result, cancellationToken) => RunAsync(
            result.GetValue(pid),
            result.GetValue(duration)!.Value,
            result.GetValue(period),
            result.GetValue(frequency),
            result.GetValue(output)!,
            result.GetValue(types),
            result.GetValue(verbose),
            cancellationToken));
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
                if (!DurationParser.TryParse(text, out var value) || value <= TimeSpan.Zero)
                {
                    r.AddError($"{name}: '{text}' is not a duration such as 500ms, 30s, 2m or 1h.");
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

    private static async Task<int> RunAsync(int pid, TimeSpan duration, TimeSpan? period, int frequency, string output, ProfileTypes types, bool verbose, CancellationToken cancellationToken)
    {
        var isDirectory = Directory.Exists(output) || output.EndsWith('/') || !output.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        if (!isDirectory && period is { } p && p < duration)
        {
            return Fail(1, $"--output {output} is one file but --period {p.TotalSeconds}s is shorter than --duration {duration.TotalSeconds}s; give a directory to get one file per period.");
        }
        var options = new ProfilingOptions
        {
            Period = period ?? (isDirectory ? TimeSpan.FromSeconds(45) : duration),
            FrequencyHz = frequency,
            ProfileTypes = types,
            ApplicationName = "local",
        };
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            return Fail(1, string.Join(" ", errors));
        }

        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Warning));
        var exporter = ChooseExporter(output, isDirectory);
        await using var session = new ProfilingSession(pid, options, exporter, loggerFactory.CreateLogger("Flamewatch.Profiling"));
        var attach = await session.StartAsync(cancellationToken).ConfigureAwait(false);
        if (!attach.Succeeded)
        {
            return Fail(ExitCannotProfile, attach.Message);
        }
        Console.Error.WriteLine($"Profiling process {pid} for {duration.TotalSeconds:0.#}s at {frequency} Hz ...");
        try
        {
            await Task.WhenAny(session.Completion, Task.Delay(duration, cancellationToken)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C: stop and keep what was collected.
        }
        var result = await session.StopAsync(CancellationToken.None).ConfigureAwait(false);
        if (exporter is FileProfileExporter files)
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

    // Local mode writes files; the agent upload chooses an exporter by its own option.
    private static IProfileExporter ChooseExporter(string output, bool isDirectory) => new FileProfileExporter(output, isDirectory);

    private static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return code;
    }
}
