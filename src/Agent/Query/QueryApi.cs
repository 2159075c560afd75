using System.Globalization;
using Flamewatch.Agent.Intake;
using Flamewatch.Agent.Storage;
using Microsoft.Extensions.Options;

namespace Flamewatch.Agent.Query;

/// <summary>
/// The query API: applications, merged profiles (pprof and flame graph with its function table), the timeline, label
/// totals, the diff of two selections and the sandwich of one function. Client mistakes are 4xx with a message.
/// </summary>
internal sealed class QueryApi(ProfileStore store, TimeProvider timeProvider, IOptions<AgentOptions> options)
{
    /// <summary>Frames under 0.1 % of the total are under 1 px wide in a 1,000 px flame graph.</summary>
    private const double DefaultMinFraction = 0.001;

    private const int DefaultMaxSeries = 8;

    public IResult Applications() => TypedResults.Json(store.GetApplications());

    public IResult Profile(HttpContext context) => Run(context, () =>
    {
        var (selection, merge) = Merge(context, Parse(context));
        var bytes = PprofBuilder.Build(merge, store.Symbols, selection.From);
        var fileName = $"{Sanitize(selection.Application)}-{Sanitize(selection.Type)}.pb.gz";
        return TypedResults.File(bytes, "application/octet-stream", fileName);
    });

    public IResult FlameGraph(HttpContext context) => Run(context, () =>
    {
        var (_, merge) = Merge(context, Parse(context));
        return TypedResults.Json(FlameGraphBuilder.Build(merge, store.Symbols, MinFraction(context)));
    });

    /// <summary><c>GET /api/timeline?…&amp;by=&lt;label&gt;&amp;limit=&amp;step=</c>: per-period totals, one series per label value with <c>by</c>.</summary>
    public IResult Timeline(HttpContext context) => Run(context, () =>
    {
        var selection = Parse(context);
        var by = context.Request.Query["by"].ToString();
        var groups = by.Length > 0 ? SelectionResolver.LabelValues(store.Symbols, selection.Application, by) : null;
        var step = context.Request.Query.ContainsKey("step") ? Step(context.Request.Query["step"].ToString()) : (TimeSpan?)null;
        var rows = Totals(context, selection, groups);
        return TypedResults.Json(TimelineBuilder.Build(selection.Type, ProfileTypes.IsGauge(selection.Type),
            selection.From.ToUnixTimeMilliseconds(), selection.To.ToUnixTimeMilliseconds(), rows, groups,
            Limit(context, DefaultMaxSeries), step, withValues: true));
    });

    /// <summary><c>GET /api/labels?…&amp;key=&lt;label&gt;</c>: every value of the label with its total and profile count in the selection.</summary>
    public IResult Labels(HttpContext context) => Run(context, () =>
    {
        var selection = Parse(context);
        var key = context.Request.Query["key"].ToString();
        if (key.Length == 0)
        {
            throw QueryException.BadRequest("the 'key' parameter (a label name) is required");
        }
        var groups = SelectionResolver.LabelValues(store.Symbols, selection.Application, key);
        var rows = Totals(context, selection, groups);
        var timeline = TimelineBuilder.Build(selection.Type, ProfileTypes.IsGauge(selection.Type),
            selection.From.ToUnixTimeMilliseconds(), selection.To.ToUnixTimeMilliseconds(), rows, groups, int.MaxValue, null, withValues: false);
        var (name, unit) = ProfileTypes.Split(selection.Type);
        return TypedResults.Json(new LabelTotals(selection.Type, name, unit, timeline.Gauge, key, timeline.Total,
            [.. timeline.Series.Select(s => new LabelValueTotal(s.Value, s.Total, s.Profiles))]));
    });

    /// <summary><c>GET /api/diff?…&amp;compare.from=&amp;compare.to=&amp;compare.&lt;label&gt;=</c>: the baseline (the usual parameters) against the comparison.</summary>
    public IResult Diff(HttpContext context) => Run(context, () =>
    {
        var baseline = Parse(context);
        var comparison = SelectionParser.ParseComparison(context.Request.Query, baseline, timeProvider.GetUtcNow());
        var (_, before) = Merge(context, baseline);
        var (_, after) = Merge(context, comparison);
        return TypedResults.Json(DiffBuilder.Build(before, after, store.Symbols, MinFraction(context)));
    });

    /// <summary><c>GET /api/sandwich?…&amp;function=&lt;name&gt;</c>: the function's callers and callees.</summary>
    public IResult Sandwich(HttpContext context) => Run(context, () =>
    {
        var function = context.Request.Query["function"].ToString();
        if (function.Length == 0)
        {
            throw QueryException.BadRequest("the 'function' parameter (a function name) is required");
        }
        var (selection, merge) = Merge(context, Parse(context));
        var sandwich = SandwichBuilder.Build(merge, store.Symbols, function, MinFraction(context))
            ?? throw QueryException.NotFound($"function {PprofDecoder.Quote(function)} is not in the profiles of {PprofDecoder.Quote(selection.Application)} in this selection");
        return TypedResults.Json(sandwich);
    });

    private ProfileSelection Parse(HttpContext context) =>
        SelectionParser.Parse(context.Request.Query, store.ProfileTypesOf, timeProvider.GetUtcNow());

    /// <summary>Merges a selection, refusing (413) one of more profiles than the agent merges in one query.</summary>
    private (ProfileSelection, MergeResult) Merge(HttpContext context, ProfileSelection selection)
    {
        var gauge = ProfileTypes.IsGauge(selection.Type);
        var stored = SelectionResolver.Resolve(selection, store.Symbols);
        if (stored is null)
        {
            return (selection, new MergeResult(selection.Type, [], 0, gauge));
        }
        var count = store.CountProfiles(stored);
        var max = options.Value.MaxQueryProfiles;
        if (count > max)
        {
            throw new QueryException(StatusCodes.Status413PayloadTooLarge,
                $"the selection holds {count:N0} profiles, more than the {max:N0} this agent merges in one query; choose a shorter time range or filter by a label");
        }
        return (selection, store.Merge(stored, gauge, context.RequestAborted));
    }

    private List<ProfileTotal> Totals(HttpContext context, ProfileSelection selection, Dictionary<int, string>? groups)
    {
        var stored = SelectionResolver.Resolve(selection, store.Symbols);
        return stored is null ? [] : store.Totals(stored, groups?.Keys, context.RequestAborted);
    }

    private static IResult Run(HttpContext context, Func<IResult> answer)
    {
        try
        {
            return answer();
        }
        catch (QueryException ex)
        {
            return IntakeResults.Error(ex.StatusCode, ex.Message);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty;
        }
    }

    private static double MinFraction(HttpContext context) =>
        context.Request.Query.ContainsKey("minFraction")
            && double.TryParse(context.Request.Query["minFraction"], CultureInfo.InvariantCulture, out var f) && f is >= 0 and < 1
            ? f : DefaultMinFraction;

    private static int Limit(HttpContext context, int fallback)
    {
        if (!context.Request.Query.ContainsKey("limit"))
        {
            return fallback;
        }
        return int.TryParse(context.Request.Query["limit"], CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= 1000
            ? limit
            : throw QueryException.BadRequest("'limit' must be a whole number from 1 to 1000");
    }

    private static TimeSpan Step(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 1 and <= 86400 * 31
            ? TimeSpan.FromSeconds(seconds)
            : throw QueryException.BadRequest($"'step' must be seconds from 1 to {86400 * 31} (was {PprofDecoder.Quote(value)})");

    /// <summary>A file-name-safe form of a client-chosen string (used only in Content-Disposition).</summary>
    private static string Sanitize(string value) =>
        new([.. value.Take(60).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]);
}
