namespace Flamewatch.Agent.Storage;

/// <summary>A validated, indexed profile waiting to be written.</summary>
/// <param name="Application">Application id (<see cref="SymbolTables.Applications"/>).</param>
/// <param name="Labels">Label ids (<see cref="SymbolTables.Labels"/>).</param>
/// <param name="Samples">Per profile type id, the encoded <see cref="SampleBlob"/>.</param>
internal sealed record NewProfile(
    int Application,
    DateTimeOffset Start,
    DateTimeOffset End,
    IReadOnlyList<int> Labels,
    IReadOnlyList<KeyValuePair<int, byte[]>> Samples)
{
    public long Bytes => Samples.Sum(s => (long)s.Value.Length);
}
