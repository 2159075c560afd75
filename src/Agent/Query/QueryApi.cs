using Flamewatch.Agent.Intake;
using Flamewatch.Agent.Storage;

namespace Flamewatch.Agent.Query;

/// <summary><c>GET /api/applications</c>, <c>GET /api/profile</c> (merged gzip pprof) and <c>GET /api/flamegraph</c> (merged tree JSON).</summary>
internal sealed class QueryApi(ProfileStore store, TimeProvider timeProvider)
{
    /// <summary>Frames under 0.1 % of the total are under 1 px wide in a 1,000 px flame graph.</summary>
    private const double DefaultMinFraction = 0.001;

    public IResult Applications() => TypedResults.Json(store.GetApplications());

    public IResult Profile(HttpContext context) => Run(context, (selection, merge) =>
    {
        var bytes = PprofBuilder.Build(merge, store.Symbols, selection.From, selection.To);
        var fileName = $"{Sanitize(selection.Application)}-{Sanitize(selection.Type)}.pb.gz";
        return TypedResults.File(bytes, "application/octet-stream", fileName);
    });

    public IResult FlameGraph(HttpContext context) => Run(context, (_, merge) =>
    {
        var minFraction = context.Request.Query.ContainsKey("minFraction")
            && double.TryParse(context.Request.Query["minFraction"], System.Globalization.CultureInfo.InvariantCulture, out var f) && f is >= 0 and < 1
            ? f : DefaultMinFraction;
        return TypedResults.Json(FlameGraphBuilder.Build(merge, store.Symbols, minFraction));
    });

    private IResult Run(HttpContext context, Func<ProfileSelection, MergeResult, IResult> answer)
    {
        try
        {
            var selection = SelectionParser.Parse(context.Request.Query, store.GetApplications(), timeProvider.GetUtcNow());
            var merge = store.Merge(selection, context.RequestAborted);
            if (merge is null)
            {
                return IntakeResults.Error(StatusCodes.Status404NotFound,
                    $"no profiles of application {PprofDecoder.Quote(selection.Application)} with type {PprofDecoder.Quote(selection.Type)}");
            }
            return answer(selection, merge);
        }
        catch (IntakeException ex)
        {
            return IntakeResults.Error(ex.StatusCode, ex.Message);
        }
    }

    /// <summary>A file-name-safe form of a client-chosen string (used only in Content-Disposition).</summary>
    private static string Sanitize(string value) =>
        new([.. value.Take(60).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]);
}
