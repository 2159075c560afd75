namespace Flamewatch.Agent.Query;

/// <summary>What a profile type (<c>name/unit</c>, as found in the uploaded pprofs) means when values are combined.</summary>
internal static class ProfileTypes
{
    /// <summary>
    /// A gauge holds a snapshot (what is in use at the end of the period) rather than a count of events, so values over
    /// a range are averaged, not summed: <c>inuse-space</c>, <c>inuse-objects</c> (Datadog), <c>inuse_space</c> (pprof, Pyroscope).
    /// </summary>
    public static bool IsGauge(string type) => type.StartsWith("inuse", StringComparison.OrdinalIgnoreCase);

    public static (string Name, string Unit) Split(string type)
    {
        var slash = type.LastIndexOf('/');
        return slash < 0 ? (type, "") : (type[..slash], type[(slash + 1)..]);
    }
}
