namespace Flamewatch.Agent;

/// <summary>Settings of the agent, bound from the <c>Agent</c> configuration section and the command line.</summary>
internal sealed class AgentOptions
{
    public const string SectionName = "Agent";

    /// <summary>Directory holding the profile database. Created when missing.</summary>
    public string DataDir { get; set; } = "./flamewatch-data";

    /// <summary>When set, uploads must carry <c>Authorization: Bearer &lt;token&gt;</c> (or <c>DD-API-KEY</c>).</summary>
    public string? Token { get; set; }

    /// <summary>When set, the query API (<c>/api/...</c>) needs <c>Authorization: Bearer &lt;token&gt;</c> with this token or <see cref="Token"/>.</summary>
    public string? ReadToken { get; set; }

    /// <summary>Largest request body accepted; larger uploads get 413.</summary>
    public long MaxBodyBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>Largest size one attachment may inflate to (decompression-bomb guard); larger gets 413.</summary>
    public long MaxDecompressedBytes { get; set; } = 128L * 1024 * 1024;

    /// <summary>Profiles older than this (by end time) are deleted.</summary>
    public TimeSpan RetentionMaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>When stored profile data exceeds this many bytes, the oldest profiles are deleted.</summary>
    public long RetentionMaxBytes { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>A merge of more profiles than this (a flame graph, diff or pprof of a long range) is refused with 413.</summary>
    public int MaxQueryProfiles { get; set; } = 200_000;

    /// <summary>How often retention runs.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromMinutes(1);
}
