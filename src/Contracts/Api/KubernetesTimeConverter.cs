using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flamewatch.Contracts.Api;

/// <summary>
/// metav1.Time: RFC 3339 in UTC with whole seconds (<c>2026-01-02T03:04:05Z</c>), as the API server stores it.
/// The one spelling of it in Flamewatch: the contract types and the Kubernetes client both use this converter.
/// </summary>
public sealed class KubernetesTimeConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.Parse(reader.GetString() ?? throw new JsonException("time must be a string"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Format(value));

    public static string Format(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Drops sub-second precision, which the API server would drop on write.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
}
