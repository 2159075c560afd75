using Flamewatch.Agent.Intake;
using Flamewatch.Agent.Query;
using Flamewatch.Agent.Storage;
using Flamewatch.Hosting;
using Flamewatch.Settings;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace Flamewatch.Agent;

/// <summary>Builds the agent: intake, storage, query API and UI on one Kestrel server.</summary>
internal static class AgentApp
{
    public const string Executable = "flamewatch-agent";

    /// <summary>Command-line flags (docs/agent.md) and the configuration keys they set.</summary>
    public static readonly IReadOnlyList<HostFlag> Flags =
    [
        new("--urls", "urls", "Where to listen (default http://127.0.0.1:8126); http://unix:/path.sock for a Unix socket.", typeof(string)),
        new("--data-dir", "Agent:DataDir", "Directory of the profile database, created if missing (default ./flamewatch-data).", typeof(string)),
        new("--token", "Agent:Token", "Uploads need this token (Authorization: Bearer, DD-API-KEY or Basic password).", typeof(string)),
        new("--read-token", "Agent:ReadToken", "The query API needs this token (or the upload token).", typeof(string)),
        new("--max-body-bytes", "Agent:MaxBodyBytes", "Larger request bodies get 413 (default 32 MiB).", typeof(long)),
        new("--max-decompressed-bytes", "Agent:MaxDecompressedBytes", "An attachment inflating past this gets 413 (default 128 MiB).", typeof(long)),
        new("--retention", "Agent:RetentionMaxAge", "Profiles that ended longer ago are deleted (default 168h).", typeof(TimeSpan)),
        new("--retention-max-bytes", "Agent:RetentionMaxBytes", "Above this many stored bytes the oldest profiles are deleted (default 10 GiB).", typeof(long)),
        new("--max-query-profiles", "Agent:MaxQueryProfiles", "A query merging more profiles gets 413 (default 200000).", typeof(int)),
    ];

    /// <summary>The flags as switch mappings of the command-line configuration provider.</summary>
    public static readonly Dictionary<string, string> SwitchMappings = Flags.ToDictionary(flag => flag.Name, flag => flag.Key, StringComparer.Ordinal);

    /// <summary>Scripts, styles and API calls from the agent only; no inline script, plugins, framing or form posts.</summary>
    public const string UiContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static WebApplication Build(string[] args)
    {
        // --retention and every other duration take 10s, 1m30s, 168h (and the legacy 7.00:00:00).
        GoDurationConverter.Register();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        builder.Configuration.AddCommandLine(args, SwitchMappings);
        if (builder.Configuration["urls"] is null && builder.Configuration["ASPNETCORE_URLS"] is null)
        {
            builder.WebHost.UseUrls("http://127.0.0.1:8126");
        }
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddAgent(builder.Configuration);
        var app = builder.Build();
        app.MapAgent();
        return app;
    }

    public static IServiceCollection AddAgent(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AgentOptions>().Bind(configuration.GetSection(AgentOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>();
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<AgentOptions>>((kestrel, agent) =>
        {
            kestrel.Limits.MaxRequestBodySize = agent.Value.MaxBodyBytes;
            kestrel.AddServerHeader = false;
        });
        services.AddSingleton(TimeProvider.System);
        // Flame graphs nest one JSON object and array per frame.
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.MaxDepth = 4 * Storage.SampleIndexer.MaxDepth + 16);
        services.AddSingleton<ProfileStore>();
        services.AddSingleton<AgentMetrics>();
        services.AddHostedService(sp => sp.GetRequiredService<ProfileStore>());
        services.AddHostedService<RetentionService>();
        services.AddSingleton<ProfileIngestor>();
        services.AddSingleton<DatadogIntake>();
        services.AddSingleton<PyroscopeIngest>();
        services.AddSingleton<PyroscopePush>();
        services.AddSingleton<QueryApi>();
        return services;
    }

    public static WebApplication MapAgent(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<AgentOptions>>().Value;
        var metrics = app.Services.GetRequiredService<AgentMetrics>();
        app.Use(async (context, next) =>
        {
            await next(context);
            metrics.RequestCompleted((context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText, context.Response.StatusCode);
        });
        var tokenLogger = app.Services.GetRequiredService<ILogger<TokenFilter>>();
        var writes = app.MapGroup("").AddEndpointFilter(new TokenFilter([options.Token], tokenLogger));
        writes.MapPost(DatadogIntake.Path, (HttpContext context, DatadogIntake intake) => intake.HandleAsync(context));
        writes.MapPost(PyroscopeIngest.Path, (HttpContext context, PyroscopeIngest ingest) => ingest.HandleAsync(context));
        // Pyroscope's push API answers in the Connect protocol's error form, the token check included.
        app.MapGroup("").AddEndpointFilter(new TokenFilter([options.Token], tokenLogger, error: ConnectErrors.For))
            .MapPost(PyroscopePush.Path, (HttpContext context, PyroscopePush push) => push.HandleAsync(context));

        // Paths Datadog tracers probe on an agent port. dd-trace stops profiling when tracing fails, so
        // traces are accepted (and discarded) rather than refused.
        app.MapMethods("/v0.4/traces", ["PUT", "POST"], () => TypedResults.Json(new { rate_by_service = new Dictionary<string, double>() }));
        app.MapMethods("/v0.5/traces", ["PUT", "POST"], () => TypedResults.Json(new { rate_by_service = new Dictionary<string, double>() }));
        app.MapPost("/v0.7/config", () => TypedResults.Json(new { }));
        app.MapPost("/telemetry/proxy/api/v2/apmtelemetry", () => TypedResults.Accepted((string?)null));
        app.MapPost("/dogstatsd/v2/proxy", () => TypedResults.Ok());
        app.MapGet("/info", () => TypedResults.Json(new
        {
            version = "flamewatch-agent",
            endpoints = new[] { DatadogIntake.Path, "/v0.4/traces", PyroscopeIngest.Path, PyroscopePush.Path },
        }));

        // Queries are open unless --read-token is set; the upload token then reads as well. Protected answers are
        // not kept in the browser's cache, so signing out of the UI leaves no profile data behind.
        var reads = app.MapGroup("").AddEndpointFilter(new TokenFilter(options.ReadToken is null ? [] : [options.ReadToken, options.Token], tokenLogger, missingIsExpected: true));
        if (options.ReadToken is not null)
        {
            reads.AddEndpointFilter((context, next) =>
            {
                context.HttpContext.Response.Headers.CacheControl = "no-store";
                return next(context);
            });
        }
        var api = app.Services.GetRequiredService<QueryApi>();
        reads.MapGet("/api/applications", api.Applications);
        reads.MapGet("/api/profile", api.Profile);
        reads.MapGet("/api/flamegraph", api.FlameGraph);
        reads.MapGet("/api/timeline", api.Timeline);
        reads.MapGet("/api/labels", api.Labels);
        reads.MapGet("/api/diff", api.Diff);
        reads.MapGet("/api/sandwich", api.Sandwich);
        app.MapProbes(
            unhealthy: _ => null,
            notReady: services => services.GetRequiredService<ProfileStore>().IsOpen ? null : "the profile store is not open yet",
            metrics: services => services.GetRequiredService<AgentMetrics>().ToPrometheusText());

        // The UI's static files are open even with --read-token: they hold no data and no secret, and the page asks
        // for the token when the API answers 401. It keeps the token in session storage, so the page allows no
        // script, style or connection from elsewhere and no framing.
        var webRoot = app.Environment.WebRootPath;
        if (Directory.Exists(webRoot))
        {
            var files = new PhysicalFileProvider(webRoot);
            app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
            app.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = files,
                OnPrepareResponse = file =>
                {
                    var headers = file.Context.Response.Headers;
                    headers.ContentSecurityPolicy = UiContentSecurityPolicy;
                    headers.XContentTypeOptions = "nosniff";
                    headers["Referrer-Policy"] = "no-referrer";
                    headers.XFrameOptions = "DENY";
                    // The bundle's file names do not change between versions: revalidate, so an upgrade shows at once.
                    headers.CacheControl = "no-cache";
                },
            });
        }

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Flamewatch.Agent");
            foreach (var address in addresses)
            {
                logger.Listening(address + "/");
            }
        });
        return app;
    }
}
