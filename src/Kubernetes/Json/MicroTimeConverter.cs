using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flamewatch.Kubernetes.Json;

/// <summary>meta/v1 MicroTime: RFC 3339 in UTC with six fractional digits (meta/v1 Time is <see cref="Contracts.Api.KubernetesTimeConverter"/>).</summary>
public sealed class MicroTimeConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.Parse(reader.GetString() ?? throw new JsonException("time must be a string"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
}
