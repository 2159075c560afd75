using System.Text.Json.Serialization;

namespace Flamewatch.Contracts.Api.V1Alpha1;

/// <summary>One matchExpressions entry: key, operator (In, NotIn, Exists, DoesNotExist), values.</summary>
public sealed class V1Alpha1LabelSelectorRequirement
{
    public const string In = "In";
    public const string NotIn = "NotIn";
    public const string Exists = "Exists";
    public const string DoesNotExist = "DoesNotExist";

    [JsonPropertyName("key")]
    public string? Key { get; set; }

    [JsonPropertyName("operator")]
    public string? Operator { get; set; }

    [JsonPropertyName("values")]
    public List<string>? Values { get; set; }
}
