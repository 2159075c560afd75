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
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal) { "application", "type", "from", "to", "minFraction" };

    /// <summary>The preferred default type when a query names none: the first of these the application has.</summary>
    private static readonly string[] PreferredTypes = ["cpu-time/nanoseconds", "cpu/nanoseconds", "wall-time/nanoseconds", "wall/nanoseconds"];

    public static ProfileSelection Parse(IQueryCollection query, IReadOnlyList<ApplicationInfo> applications, DateTimeOffset now)
    {
        var application = query["application"].ToString();
        if (application.Length == 0)
        {
            throw IntakeException.BadRequest("the 'application' parameter is required");
        }
        var type = query["type"].ToString();
        if (type.Length == 0)
        {
            var types = applications.FirstOrDefault(a => a.Name == application)?.ProfileTypes ?? [];
            type = PreferredTypes.FirstOrDefault(types.Contains) ?? types.FirstOrDefault() ?? "";
        }
        var to = query.ContainsKey("to") ? ParseTime(query["to"].ToString(), "to") : now;
        var from = query.ContainsKey("from") ? ParseTime(query["from"].ToString(), "from") : to - TimeSpan.FromHours(1);
        if (from >= to)
        {
            throw IntakeException.BadRequest("'from' must be before 'to'");
        }
        var labels = query.Where(kv => !Reserved.Contains(kv.Key))
            .SelectMany(kv => kv.Value.Select(v => new KeyValuePair<string, string>(kv.Key, v ?? "")))
            .ToList();
        return new ProfileSelection(application, type, from, to, labels);
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
        throw IntakeException.BadRequest($"'{what}' must be unix seconds or an RFC 3339 time (was {PprofDecoder.Quote(value)})");
    }
}
