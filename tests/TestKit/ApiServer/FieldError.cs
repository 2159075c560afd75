using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Flamewatch.TestKit.ApiServer;

/// <summary>One field validation error, rendered the way apimachinery's field.Error prints.</summary>
internal sealed record FieldError(string Field, string Type, string Detail, JsonNode? Value = null, bool HasValue = false)
{
    public string Reason => Type switch
    {
        "Required value" => "FieldValueRequired",
        "Unsupported value" => "FieldValueNotSupported",
        "Too many" => "FieldValueTooMany",
        "Too long" => "FieldValueTooLong",
        "Forbidden" => "FieldValueForbidden",
        "Duplicate value" => "FieldValueDuplicate",
        _ => "FieldValueInvalid",
    };

    public static FieldError Invalid(string field, JsonNode? value, string detail) => new(field, "Invalid value", detail, value, true);

    public static FieldError Required(string field, string detail = "") => new(field, "Required value", detail);

    public static FieldError Forbidden(string field, string detail) => new(field, "Forbidden", detail);

    public string Message
    {
        get
        {
            var text = $"{Field}: {Type}";
            if (HasValue)
            {
                text += ": " + Render(Value);
            }

            return Detail.Length == 0 ? text : $"{text}: {Detail}";
        }
    }

    public static string Render(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject => "\"object\"",
        JsonArray => "\"array\"",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => JsonSerializer.Serialize(v.GetValue<string>()),
        _ => value.ToJsonString(),
    };

    public static string Count(long n) => n.ToString(CultureInfo.InvariantCulture);
}
