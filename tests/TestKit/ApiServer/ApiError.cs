using System.Text.Json.Nodes;

namespace Flamewatch.TestKit.ApiServer;

/// <summary>An API error answered as a meta/v1 Status body.</summary>
internal sealed class ApiError(int code, string reason, string message, JsonObject? details = null) : Exception(message)
{
    public int Code => code;

    public string Reason => reason;

    public JsonObject ToStatus() => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = Message,
        ["reason"] = reason,
        ["details"] = details?.DeepClone(),
        ["code"] = code,
    };

    public static ApiError NotFound(ServedResource r, string name) =>
        new(404, "NotFound", $"{r.GroupResource} \"{name}\" not found", Details(r, name));

    public static ApiError AlreadyExists(ServedResource r, string name) =>
        new(409, "AlreadyExists", $"{r.GroupResource} \"{name}\" already exists", Details(r, name));

    public static ApiError Conflict(ServedResource r, string name) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {r.GroupResource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again", Details(r, name));

    public static ApiError BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiError Expired(string message) => new(410, "Expired", message);

    public static ApiError Invalid(ServedResource r, string name, IReadOnlyList<FieldError> errors)
    {
        var joined = errors.Count == 1 ? errors[0].Message : "[" + string.Join(", ", errors.Select(e => e.Message)) + "]";
        var details = Details(r, name);
        details["kind"] = r.Kind;
        details["causes"] = new JsonArray(errors.Select(e => (JsonNode)new JsonObject
        {
            ["reason"] = e.Reason,
            ["message"] = e.Message[(e.Field.Length + 2)..],
            ["field"] = e.Field,
        }).ToArray());
        var qualified = r.Group.Length == 0 ? r.Kind : $"{r.Kind}.{r.Group}";
        return new(422, "Invalid", $"{qualified} \"{name}\" is invalid: {joined}", details);
    }

    private static JsonObject Details(ServedResource r, string name)
    {
        var d = new JsonObject { ["name"] = name };
        if (r.Group.Length > 0)
        {
            d["group"] = r.Group;
        }

        d["kind"] = r.Plural;
        return d;
    }
}
