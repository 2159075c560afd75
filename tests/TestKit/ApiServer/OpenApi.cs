using System.Text.Json.Nodes;

namespace Flamewatch.TestKit.ApiServer;

/// <summary>
/// The OpenAPI v3 documents kubectl reads: the /openapi/v3 index, and per group-version a document whose PATCH
/// operations carry <c>x-kubernetes-group-version-kind</c> and the <c>fieldValidation</c> parameter (so kubectl
/// validates server-side), plus the custom resources' schemas (for <c>kubectl explain</c>).
/// </summary>
internal static class OpenApi
{
    public static JsonObject Index(IEnumerable<ServedResource> resources)
    {
        var paths = new JsonObject();
        foreach (var gv in resources.SelectMany(r => r.Versions.Select(v => r.Group.Length == 0 ? $"api/{v}" : $"apis/{r.Group}/{v}")).Distinct())
        {
            paths[gv] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{gv}?hash={Math.Abs(gv.GetHashCode(StringComparison.Ordinal)):X}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    public static JsonObject? Document(IEnumerable<ServedResource> resources, string group, string version)
    {
        var served = resources.Where(r => r.Group == group && r.Versions.Contains(version)).ToList();
        if (served.Count == 0)
        {
            return null;
        }

        var paths = new JsonObject();
        var schemas = new JsonObject();
        foreach (var r in served)
        {
            var gvk = new JsonArray(new JsonObject { ["group"] = r.Group, ["version"] = version, ["kind"] = r.Kind });
            var root = r.Group.Length == 0 ? $"/api/{version}" : $"/apis/{r.Group}/{version}";
            var path = r.Namespaced ? $"{root}/namespaces/{{namespace}}/{r.Plural}/{{name}}" : $"{root}/{r.Plural}/{{name}}";
            paths[path] = new JsonObject
            {
                ["get"] = Operation("read", r, gvk, []),
                ["put"] = Operation("replace", r, gvk, ["dryRun", "fieldManager", "fieldValidation"]),
                ["patch"] = Operation("patch", r, gvk, ["dryRun", "fieldManager", "fieldValidation", "force"]),
                ["delete"] = Operation("delete", r, gvk, ["dryRun"]),
            };
            var collection = r.Namespaced ? $"{root}/namespaces/{{namespace}}/{r.Plural}" : $"{root}/{r.Plural}";
            paths[collection] = new JsonObject
            {
                ["get"] = Operation("list", r, gvk, ["labelSelector", "fieldSelector", "limit", "continue", "watch", "resourceVersion"]),
                ["post"] = Operation("create", r, gvk, ["dryRun", "fieldManager", "fieldValidation"]),
            };
            if (r.Schemas.TryGetValue(version, out var schema))
            {
                var body = schema.Root.DeepClone().AsObject();
                var props = body["properties"] as JsonObject ?? [];
                body["properties"] = props;
                props["apiVersion"] ??= new JsonObject { ["type"] = "string", ["description"] = "APIVersion defines the versioned schema of this representation of an object." };
                props["kind"] ??= new JsonObject { ["type"] = "string", ["description"] = "Kind is a string value representing the REST resource this object represents." };
                props["metadata"] = new JsonObject { ["type"] = "object", ["description"] = "Standard object's metadata." };
                body["x-kubernetes-group-version-kind"] = gvk.DeepClone();
                schemas[$"{ReverseDomain(r.Group)}.{version}.{r.Kind}"] = body;
            }
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.35.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    private static JsonObject Operation(string verb, ServedResource r, JsonArray gvk, string[] parameters) => new()
    {
        ["operationId"] = $"{verb}{r.Kind}",
        ["parameters"] = new JsonArray(parameters.Select(p => (JsonNode)new JsonObject
        {
            ["name"] = p,
            ["in"] = "query",
            ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
        }).ToArray()),
        ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
        ["x-kubernetes-action"] = verb switch { "read" => "get", "replace" => "put", "create" => "post", _ => verb },
        ["x-kubernetes-group-version-kind"] = gvk[0]!.DeepClone(),
    };

    private static string ReverseDomain(string group) =>
        group.Length == 0 ? "io.k8s.api.core" : string.Join('.', group.Split('.').Reverse());
}
