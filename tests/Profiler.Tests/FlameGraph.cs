using System.Text.Json;

namespace Flamewatch.ProfilerTests;

/// <summary>Reads the agent's flame-graph JSON.</summary>
internal static class FlameGraph
{
    /// <summary>Σ of the inclusive values of nodes named <paramref name="frame"/> (outermost occurrences only).</summary>
    public static long Inclusive(JsonElement node, string frame)
    {
        if (node.GetProperty("name").GetString() == frame)
        {
            return node.GetProperty("value").GetInt64();
        }
        return node.GetProperty("children").EnumerateArray().Sum(child => Inclusive(child, frame));
    }

    public static long Total(JsonElement graph) => graph.GetProperty("root").GetProperty("value").GetInt64();
}
