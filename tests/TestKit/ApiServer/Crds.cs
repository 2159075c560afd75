using System.Text.Json.Nodes;

namespace Flamewatch.TestKit.ApiServer;

/// <summary>apiextensions.k8s.io/v1 CustomResourceDefinition: validation, defaulting, status, and the resource it serves.</summary>
internal static class Crds
{
    public static void Admit(JsonObject crd, List<FieldError> errors)
    {
        var spec = crd["spec"] as JsonObject;
        if (spec is null)
        {
            errors.Add(FieldError.Required("spec"));
            return;
        }

        var group = spec["group"]?.GetValue<string>();
        var names = spec["names"] as JsonObject;
        var plural = names?["plural"]?.GetValue<string>();
        var kind = names?["kind"]?.GetValue<string>();
        if (string.IsNullOrEmpty(group))
        {
            errors.Add(FieldError.Required("spec.group"));
        }
        else if (!group.Contains('.', StringComparison.Ordinal))
        {
            errors.Add(FieldError.Invalid("spec.group", group, "should be a domain with at least one dot"));
        }

        if (string.IsNullOrEmpty(plural))
        {
            errors.Add(FieldError.Required("spec.names.plural"));
        }

        if (string.IsNullOrEmpty(kind))
        {
            errors.Add(FieldError.Required("spec.names.kind"));
        }

        var name = crd["metadata"]?["name"]?.GetValue<string>();
        if (!string.IsNullOrEmpty(plural) && !string.IsNullOrEmpty(group) && name != $"{plural}.{group}")
        {
            errors.Add(FieldError.Invalid("metadata.name", name, "must be spec.names.plural+\".\"+spec.group"));
        }

        var scope = spec["scope"]?.GetValue<string>();
        if (scope is not ("Namespaced" or "Cluster"))
        {
            errors.Add(new FieldError("spec.scope", "Unsupported value", "supported values: \"Cluster\", \"Namespaced\"", scope is null ? null : JsonValue.Create(scope), true));
        }

        if (spec["versions"] is not JsonArray { Count: > 0 } versions)
        {
            errors.Add(FieldError.Invalid("spec.versions", null, "must have exactly one version marked as storage version"));
            return;
        }

        if (versions.Count(v => v?["storage"]?.GetValue<bool>() == true) != 1)
        {
            errors.Add(FieldError.Invalid("spec.versions", new JsonArray(), "must have exactly one version marked as storage version"));
        }

        for (var i = 0; i < versions.Count; i++)
        {
            if (versions[i]?["schema"]?["openAPIV3Schema"] is not JsonObject schema)
            {
                errors.Add(FieldError.Required($"spec.versions[{i}].schema.openAPIV3Schema", "schemas are required"));
                continue;
            }

            if (schema["type"]?.GetValue<string>() != "object")
            {
                errors.Add(FieldError.Invalid($"spec.versions[{i}].schema.openAPIV3Schema.type", schema["type"]?.DeepClone(), "must be object at the root"));
            }

            StructuralSchema.CheckDefinition(schema, $"spec.versions[{i}].schema.openAPIV3Schema", errors);
        }

        if (errors.Count > 0 || names is null)
        {
            return;
        }

        names["singular"] ??= kind!.ToLowerInvariant();
        names["listKind"] ??= kind + "List";
        var storage = versions.First(v => v?["storage"]?.GetValue<bool>() == true)!["name"]!.GetValue<string>();
        var now = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        crd["status"] = new JsonObject
        {
            ["acceptedNames"] = names.DeepClone(),
            ["conditions"] = new JsonArray(
                Condition("NamesAccepted", "NoConflicts", "no conflicts found", now),
                Condition("Established", "InitialNamesAccepted", "the initial names have been accepted", now)),
            ["storedVersions"] = new JsonArray(storage),
        };
    }

    private static JsonObject Condition(string type, string reason, string message, string now) => new()
    {
        ["type"] = type,
        ["status"] = "True",
        ["lastTransitionTime"] = now,
        ["reason"] = reason,
        ["message"] = message,
    };

    public static ServedResource ToServedResource(JsonObject crd)
    {
        var spec = crd["spec"]!;
        var names = spec["names"]!;
        var versions = spec["versions"]!.AsArray().OfType<JsonObject>().ToList();
        var served = versions.Where(v => v["served"]?.GetValue<bool>() != false).ToList();
        var storage = versions.FirstOrDefault(v => v["storage"]?.GetValue<bool>() == true) ?? versions[0];
        var schemas = versions
            .Where(v => v["schema"]?["openAPIV3Schema"] is JsonObject)
            .ToDictionary(v => v["name"]!.GetValue<string>(), v => new StructuralSchema(v["schema"]!["openAPIV3Schema"]!.DeepClone().AsObject()));
        var selectable = new Dictionary<string, Func<JsonObject, string?>>();
        foreach (var field in storage["selectableFields"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            var jsonPath = field["jsonPath"]!.GetValue<string>();
            var parts = jsonPath.TrimStart('.').Split('.');
            selectable[jsonPath.TrimStart('.')] = o =>
            {
                JsonNode? node = o;
                foreach (var p in parts)
                {
                    node = node?[p];
                }

                return node?.ToString();
            };
        }

        return new ServedResource
        {
            Group = spec["group"]!.GetValue<string>(),
            Version = storage["name"]!.GetValue<string>(),
            Versions = served.Select(v => v["name"]!.GetValue<string>()).ToList(),
            Plural = names["plural"]!.GetValue<string>(),
            Singular = names["singular"]?.GetValue<string>() ?? names["kind"]!.GetValue<string>().ToLowerInvariant(),
            Kind = names["kind"]!.GetValue<string>(),
            Namespaced = spec["scope"]?.GetValue<string>() != "Cluster",
            ShortNames = names["shortNames"]?.AsArray().Select(s => s!.GetValue<string>()).ToList() ?? [],
            Categories = names["categories"]?.AsArray().Select(s => s!.GetValue<string>()).ToList() ?? [],
            HasStatus = storage["subresources"]?["status"] is not null,
            IsCustom = true,
            HasGeneration = true,
            Schemas = schemas,
            PrinterColumns = storage["additionalPrinterColumns"]?.DeepClone().AsArray(),
            Fields = selectable,
        };
    }
}
