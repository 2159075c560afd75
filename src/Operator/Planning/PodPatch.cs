using System.Text.Json;

namespace Flamewatch.Operator.Planning;

/// <summary>
/// One merge patch of a pod's annotations: a value sets the key, null removes it. The patch carries the
/// resourceVersion the plan was computed from, so a pod changed in the meantime fails with 409 and is re-planned
/// instead of being written from stale knowledge.
/// </summary>
internal sealed record PodPatch(string Name, string? ResourceVersion, PodPatchKind Kind, IReadOnlyDictionary<string, string?> Annotations)
{
    public string ToMergePatchJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("metadata");
            if (ResourceVersion is not null)
            {
                writer.WriteString("resourceVersion", ResourceVersion);
            }

            writer.WriteStartObject("annotations");
            foreach (var (key, value) in Annotations.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                if (value is null)
                {
                    writer.WriteNull(key);
                }
                else
                {
                    writer.WriteString(key, value);
                }
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
