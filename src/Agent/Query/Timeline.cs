namespace Flamewatch.Agent.Query;

/// <param name="Start">Start of the first bucket (a multiple of the step, at or before <paramref name="From"/>).</param>
/// <param name="Step">Bucket width in seconds; bucket i starts at Start + i × Step.</param>
internal sealed record Timeline(string Type, string Name, string Unit, bool Gauge, DateTimeOffset From, DateTimeOffset To, DateTimeOffset Start,
    double Step, int Profiles, long Total, IReadOnlyList<TimelineSeries> Series);
