namespace Flamewatch.Agent.Query;

/// <param name="Value">The label value of the series; null for the total, for profiles without the label, and for the others summed.</param>
/// <param name="Other">The series sums the values beyond the largest ones.</param>
internal sealed record TimelineSeries(string Name, string? Value, long Total, int Profiles, IReadOnlyList<long> Values, bool Other = false);
