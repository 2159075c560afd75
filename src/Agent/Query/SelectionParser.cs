using System.Globalization;
using Flamewatch.Agent.Intake;
using Flamewatch.Agent.Storage;

namespace Flamewatch.Agent.Query;

/// <summary>
/// Reads <c>application</c>, <c>type</c>, <c>from</c>, <c>to</c> (unix seconds or RFC 3339; default the last hour)
/// and label equalities (every other parameter) from a query string.
/// </summary>
internal static class SelectionParser
{
    /// <summary>The longest range one query may span.</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(31);

    /// <summary>Prefix of the comparison's parameters in a diff query (<c>compare.from</c>, <c>compare.pod_name</c>).</summary>
    public const string ComparePrefix = "compare.";

    /// <summary>Parameters that are not label equalities.</summary>
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "application", "type", "from", "to", "minFraction", "by", "limit", "step", "function", "key",
    };

    /// <summary>The preferred default type when a query names none: the first of these the application has.</summary>
    private static readonly string[] PreferredTypes = ["cpu-time/nanoseconds", "cpu/nanoseconds", "wall-time/nanoseconds", "wall/nanoseconds"];

    /// <param name="typesOf">The profile types stored for an application (consulted only when the query names no type).</param>
    public static ProfileSelection Parse(IQueryCollection query, Func<string, IReadOnlyCollection<string>> typesOf, DateTimeOffset now)
    {
        var application = query["application"].ToString();
        if (application.Length == 0)
        {
            throw QueryException.BadRequest("the 'application' parameter is required");
        }
        var type = query["type"].ToString();
        if (type.Length == 0)
        {
            var types = typesOf(application).Order(StringComparer.Ordinal).ToList();
            type = PreferredTypes.FirstOrDefault(types.Contains) ?? types.FirstOrDefault() ?? "";
        }
        var (from, to) = Range(query, "from", "to", now, null);
        var labels = query.Where(kv => !Reserved.Contains(kv.Key) && !kv.Key.StartsWith(ComparePrefix, StringComparison.Ordinal))
            .SelectMany(kv => kv.Value.Select(v => new KeyValuePair<string, string>(kv.Key, v ?? "")))
            .ToList();
        return new ProfileSelection(application, type, from, to, labels);
    }

    /// <summary>
    /// The comparison of a diff: <c>compare.from</c>/<c>compare.to</c> (default: the baseline's range) and
    /// <c>compare.&lt;label&gt;</c> equalities (default: the baseline's labels).
    /// </summary>
    public static ProfileSelection ParseComparison(IQueryCollection query, ProfileSelection baseline, DateTimeOffset now)
    {
        var (from, to) = Range(query, ComparePrefix + "from", ComparePrefix + "to", now, (baseline.From, baseline.To));
        var labels = query.Where(kv => kv.Key.StartsWith(ComparePrefix, StringComparison.Ordinal) && kv.Key is not (ComparePrefix + "from" or ComparePrefix + "to"))
            .SelectMany(kv => kv.Value.Select(v => new KeyValuePair<string, string>(kv.Key[ComparePrefix.Length..], v ?? "")))
            .ToList();
        return baseline with { From = from, To = to, Labels = labels.Count > 0 ? labels : baseline.Labels };
    }

    public static DateTimeOffset ParseTime(string value, string what)
    {
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 0 and < 1e11)
        {
            return DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000));
        }
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return time;
        }
        throw QueryException.BadRequest($"'{what}' must be unix seconds or an RFC 3339 time (was {PprofDecoder.Quote(value)})");
    }

    private static (DateTimeOffset From, DateTimeOffset To) Range(IQueryCollection query, string fromName, string toName, DateTimeOffset now,
        (DateTimeOffset From, DateTimeOffset To)? fallback)
    {
        var to = query.ContainsKey(toName) ? ParseTime(query[toName].ToString(), toName) : fallback?.To ?? now;
        var from = query.ContainsKey(fromName) ? ParseTime(query[fromName].ToString(), fromName) : fallback?.From ?? to - TimeSpan.FromHours(1);
        if (from >= to)
        {
            throw QueryException.BadRequest($"'{fromName}' must be before '{toName}'");
        }
        if (to - from > MaxRange)
        {
            throw QueryException.BadRequest($"the time range spans {(to - from).TotalDays:0.#} days, more than the {MaxRange.TotalDays:0} a query may span; choose a shorter range");
        }
        return (from, to);
    }
}
