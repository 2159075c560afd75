using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Flamewatch.TestKit.ApiServer.Cel;

namespace Flamewatch.TestKit.ApiServer;

/// <summary>
/// A CRD version's openAPIV3Schema applied the way kube-apiserver does: prune unknown fields, apply defaults,
/// then validate (type, required, enum, pattern, format, lengths, ranges, item/property counts, nullable,
/// x-kubernetes-int-or-string, x-kubernetes-preserve-unknown-fields and x-kubernetes-validations in the CEL subset).
/// </summary>
internal sealed class StructuralSchema(JsonObject root)
{
    private static readonly ConcurrentDictionary<string, CelExpression> CompiledRules = new();
    private static readonly ConcurrentDictionary<string, Regex> Patterns = new();

    public JsonObject Root => root;

    /// <summary>Compile-time checks the API server makes when the CRD is written (structural types, CEL, patterns).</summary>
    public static void CheckDefinition(JsonObject schema, string path, List<FieldError> errors)
    {
        var hasType = schema["type"] is JsonValue;
        if (!hasType && !Flag(schema, "x-kubernetes-int-or-string") && !Flag(schema, "x-kubernetes-preserve-unknown-fields"))
        {
            errors.Add(FieldError.Required(path + ".type", "must not be empty for specified object fields"));
        }

        if (schema["pattern"] is JsonValue p)
        {
            try
            {
                _ = Pattern(p.GetValue<string>());
            }
            catch (ArgumentException e)
            {
                errors.Add(FieldError.Invalid(path + ".pattern", p.DeepClone(), e.Message));
            }
        }

        if (schema["x-kubernetes-validations"] is JsonArray rules)
        {
            for (var i = 0; i < rules.Count; i++)
            {
                var rule = rules[i]?["rule"]?.GetValue<string>();
                if (rule is null)
                {
                    errors.Add(FieldError.Required($"{path}.x-kubernetes-validations[{i}].rule"));
                    continue;
                }

                try
                {
                    _ = Compile(rule);
                }
                catch (CelException e)
                {
                    errors.Add(FieldError.Invalid($"{path}.x-kubernetes-validations[{i}].rule", rule, e.Message));
                }
            }
        }

        if (schema["properties"] is JsonObject props)
        {
            foreach (var (name, child) in props)
            {
                if (child is JsonObject c)
                {
                    CheckDefinition(c, $"{path}.properties[{name}]", errors);
                }
            }
        }

        if (schema["items"] is JsonObject items)
        {
            CheckDefinition(items, path + ".items", errors);
        }

        if (schema["additionalProperties"] is JsonObject additional)
        {
            CheckDefinition(additional, path + ".additionalProperties", errors);
        }
    }

    /// <summary>Removes fields the schema does not declare; returns their paths (for fieldValidation=Strict/Warn).</summary>
    public List<string> Prune(JsonObject obj)
    {
        var pruned = new List<string>();
        if (root["properties"] is JsonObject props)
        {
            foreach (var key in obj.Select(p => p.Key).ToList())
            {
                if (key is "apiVersion" or "kind" or "metadata")
                {
                    continue;
                }

                if (props[key] is JsonObject child)
                {
                    PruneNode(obj[key], child, key, pruned);
                }
                else if (!Flag(root, "x-kubernetes-preserve-unknown-fields"))
                {
                    obj.Remove(key);
                    pruned.Add(key);
                }
            }
        }

        return pruned;
    }

    private static void PruneNode(JsonNode? node, JsonObject schema, string path, List<string> pruned)
    {
        switch (node)
        {
            case JsonObject obj:
                var props = schema["properties"] as JsonObject;
                var additional = schema["additionalProperties"] as JsonObject;
                var preserve = Flag(schema, "x-kubernetes-preserve-unknown-fields") || Flag(schema, "x-kubernetes-embedded-resource");
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    if (props?[key] is JsonObject child)
                    {
                        PruneNode(obj[key], child, $"{path}.{key}", pruned);
                    }
                    else if (additional is not null)
                    {
                        PruneNode(obj[key], additional, $"{path}.{key}", pruned);
                    }
                    else if (!preserve && schema["additionalProperties"] is not JsonValue)
                    {
                        obj.Remove(key);
                        pruned.Add($"{path}.{key}");
                    }
                }

                break;
            case JsonArray array when schema["items"] is JsonObject items:
                for (var i = 0; i < array.Count; i++)
                {
                    PruneNode(array[i], items, $"{path}[{i}]", pruned);
                }

                break;
        }
    }

    /// <summary>Fills missing (and non-nullable null) properties from <c>default</c>, top-down.</summary>
    public void ApplyDefaults(JsonObject obj) => Default(obj, root);

    private static void Default(JsonNode? node, JsonObject schema)
    {
        switch (node)
        {
            case JsonObject obj:
                if (schema["properties"] is JsonObject props)
                {
                    foreach (var (name, childSchema) in props)
                    {
                        if (childSchema is not JsonObject cs)
                        {
                            continue;
                        }

                        var present = obj.TryGetPropertyValue(name, out var value);
                        if ((!present || (value is null && !Flag(cs, "nullable"))) && cs["default"] is { } def)
                        {
                            obj[name] = def.DeepClone();
                        }

                        if (obj[name] is { } child)
                        {
                            Default(child, cs);
                        }
                    }
                }
                else if (schema["additionalProperties"] is JsonObject additional)
                {
                    foreach (var (_, child) in obj.ToList())
                    {
                        Default(child, additional);
                    }
                }

                break;
            case JsonArray array when schema["items"] is JsonObject items:
                foreach (var child in array)
                {
                    Default(child, items);
                }

                break;
        }
    }

    /// <summary>Validates the whole object (except metadata, which the generic rules check).</summary>
    public void Validate(JsonObject obj, List<FieldError> errors)
    {
        if (root["required"] is JsonArray required)
        {
            foreach (var name in required.Select(r => r!.GetValue<string>()))
            {
                if (name is not ("metadata" or "apiVersion" or "kind") && !obj.ContainsKey(name))
                {
                    errors.Add(FieldError.Required(name));
                }
            }
        }

        if (root["properties"] is JsonObject props)
        {
            foreach (var (name, childSchema) in props)
            {
                if (name is "metadata" or "apiVersion" or "kind" || childSchema is not JsonObject cs || !obj.TryGetPropertyValue(name, out var value))
                {
                    continue;
                }

                ValidateNode(value, cs, name, errors);
            }
        }

        RunRules(obj, root, "<root>", errors);
    }

    private static void ValidateNode(JsonNode? node, JsonObject schema, string path, List<FieldError> errors)
    {
        var before = errors.Count;
        if (node is null)
        {
            if (!Flag(schema, "nullable"))
            {
                errors.Add(FieldError.Invalid(path, null, $"{path} in body must be of type {schema["type"]?.GetValue<string>() ?? "object"}: \"null\""));
            }

            return;
        }

        var kind = node.GetValueKind();
        if (Flag(schema, "x-kubernetes-int-or-string"))
        {
            if (kind != JsonValueKind.String && !(kind == JsonValueKind.Number && IsInteger(node)))
            {
                errors.Add(FieldError.Invalid(path, node.DeepClone(), $"{path} in body must be of type integer or string: \"{TypeOf(node)}\""));
                return;
            }
        }
        else if (schema["type"]?.GetValue<string>() is { } type && !TypeMatches(node, type))
        {
            errors.Add(FieldError.Invalid(path, JsonValue.Create(TypeOf(node)), $"{path} in body must be of type {type}: \"{TypeOf(node)}\""));
            return;
        }

        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, node)))
        {
            errors.Add(new FieldError(path, "Unsupported value", "supported values: " + string.Join(", ", allowed.Select(FieldError.Render)), node.DeepClone(), true));
        }

        switch (node)
        {
            case JsonValue v when kind == JsonValueKind.String:
                var s = v.GetValue<string>();
                if (schema["maxLength"] is JsonValue maxLength && s.Length > maxLength.GetValue<long>())
                {
                    errors.Add(new FieldError(path, "Too long", $"may not be more than {maxLength.GetValue<long>()} bytes", node.DeepClone(), false));
                }

                if (schema["minLength"] is JsonValue minLength && s.Length < minLength.GetValue<long>())
                {
                    errors.Add(FieldError.Invalid(path, node.DeepClone(), $"{path} in body should be at least {minLength.GetValue<long>()} chars long"));
                }

                if (schema["pattern"] is JsonValue pattern && !Pattern(pattern.GetValue<string>()).IsMatch(s))
                {
                    errors.Add(FieldError.Invalid(path, node.DeepClone(), $"{path} in body should match '{pattern.GetValue<string>()}'"));
                }

                if (schema["format"]?.GetValue<string>() is { } format && !FormatMatches(format, s))
                {
                    errors.Add(FieldError.Invalid(path, node.DeepClone(), $"{path} in body must be of type {format}: \"{s}\""));
                }

                break;
            case JsonValue v when kind == JsonValueKind.Number:
                var d = v.GetValue<double>();
                if (schema["maximum"] is JsonValue max)
                {
                    var m = max.GetValue<double>();
                    var exclusive = Flag(schema, "exclusiveMaximum");
                    if (exclusive ? d >= m : d > m)
                    {
                        errors.Add(FieldError.Invalid(path, node.DeepClone(), $"{path} in body should be less than {(exclusive ? "" : "or equal to ")}{max.ToJsonString()}"));
                    }
                }

                if (schema["minimum"] is JsonValue min)
                {
                    var m = min.GetValue<double>();
                    var exclusive = Flag(schema, "exclusiveMinimum");
                    if (exclusive ? d <= m : d < m)
                    {
                        errors.Add(FieldError.Invalid(path, node.DeepClone(), $"{path} in body should be greater than {(exclusive ? "" : "or equal to ")}{min.ToJsonString()}"));
                    }
                }

                if (schema["multipleOf"] is JsonValue multiple && Math.IEEERemainder(d, multiple.GetValue<double>()) != 0)
                {
                    errors.Add(FieldError.Invalid(path, node.DeepClone(), $"{path} in body should be a multiple of {multiple.ToJsonString()}"));
                }

                break;
            case JsonArray array:
                if (schema["maxItems"] is JsonValue maxItems && array.Count > maxItems.GetValue<long>())
                {
                    errors.Add(new FieldError(path, "Too many", $"must have at most {maxItems.GetValue<long>()} items", JsonValue.Create(array.Count), true));
                }

                if (schema["minItems"] is JsonValue minItems && array.Count < minItems.GetValue<long>())
                {
                    errors.Add(FieldError.Invalid(path, JsonValue.Create(array.Count), $"{path} in body should have at least {minItems.GetValue<long>()} items"));
                }

                if (schema["x-kubernetes-list-type"]?.GetValue<string>() == "set")
                {
                    for (var i = 0; i < array.Count; i++)
                    {
                        for (var j = 0; j < i; j++)
                        {
                            if (JsonNode.DeepEquals(array[i], array[j]))
                            {
                                errors.Add(new FieldError($"{path}[{i}]", "Duplicate value", "", array[i]?.DeepClone(), true));
                            }
                        }
                    }
                }

                if (schema["x-kubernetes-list-type"]?.GetValue<string>() == "map" && schema["x-kubernetes-list-map-keys"] is JsonArray mapKeys)
                {
                    var keys = mapKeys.Select(k => k!.GetValue<string>()).ToList();
                    var seen = new HashSet<string>(StringComparer.Ordinal);
                    for (var i = 0; i < array.Count; i++)
                    {
                        var id = string.Join(",", keys.Select(k => $"\"{k}\":{array[i]?[k]?.ToJsonString() ?? "null"}"));
                        if (!seen.Add(id))
                        {
                            errors.Add(new FieldError($"{path}[{i}]", "Duplicate value: map[string]interface {}{" + id + "}", ""));
                        }
                    }
                }

                if (schema["items"] is JsonObject items)
                {
                    for (var i = 0; i < array.Count; i++)
                    {
                        ValidateNode(array[i], items, $"{path}[{i}]", errors);
                    }
                }

                break;
            case JsonObject obj:
                if (schema["maxProperties"] is JsonValue maxProps && obj.Count > maxProps.GetValue<long>())
                {
                    errors.Add(new FieldError(path, "Too many", $"must have at most {maxProps.GetValue<long>()} items", JsonValue.Create(obj.Count), true));
                }

                if (schema["minProperties"] is JsonValue minProps && obj.Count < minProps.GetValue<long>())
                {
                    errors.Add(FieldError.Invalid(path, JsonValue.Create(obj.Count), $"{path} in body should have at least {minProps.GetValue<long>()} properties"));
                }

                if (schema["required"] is JsonArray required)
                {
                    foreach (var name in required.Select(r => r!.GetValue<string>()))
                    {
                        if (!obj.ContainsKey(name))
                        {
                            errors.Add(FieldError.Required($"{path}.{name}"));
                        }
                    }
                }

                var props = schema["properties"] as JsonObject;
                var additional = schema["additionalProperties"] as JsonObject;
                foreach (var (name, child) in obj)
                {
                    if (props?[name] is JsonObject cs)
                    {
                        ValidateNode(child, cs, $"{path}.{name}", errors);
                    }
                    else if (additional is not null)
                    {
                        ValidateNode(child, additional, $"{path}.{name}", errors);
                    }
                }

                break;
        }

        if (errors.Count == before)
        {
            RunRules(node, schema, path, errors);
        }
    }

    private static void RunRules(JsonNode node, JsonObject schema, string path, List<FieldError> errors)
    {
        if (schema["x-kubernetes-validations"] is not JsonArray rules)
        {
            return;
        }

        var self = CelValues.FromJson(node);
        foreach (var rule in rules.OfType<JsonObject>())
        {
            var text = rule["rule"]!.GetValue<string>();
            var fieldPath = rule["fieldPath"]?.GetValue<string>();
            var at = fieldPath is null ? path : path == "<root>" ? fieldPath.TrimStart('.') : path + fieldPath;
            string? failure;
            try
            {
                failure = Compile(text).Evaluate(self) switch
                {
                    true => null,
                    false => rule["message"]?.GetValue<string>() ?? $"failed rule: {text}",
                    _ => $"rule did not evaluate to a bool: {text}",
                };
            }
            catch (CelException e)
            {
                failure = $"{e.Message} evaluating rule: {text}";
            }

            if (failure is not null)
            {
                var reason = rule["reason"]?.GetValue<string>();
                var type = reason switch
                {
                    "FieldValueRequired" => "Required value",
                    "FieldValueForbidden" => "Forbidden",
                    "FieldValueDuplicate" => "Duplicate value",
                    _ => "Invalid value",
                };
                // As kube-apiserver: a failed rule reports the schema type ("object", "string", ...) as the value.
                var shown = JsonValue.Create(schema["type"]?.GetValue<string>() ?? (node is JsonObject ? "object" : TypeOf(node)));
                errors.Add(new FieldError(at, type, failure, shown, type == "Invalid value"));
            }
        }
    }

    private static CelExpression Compile(string rule) => CompiledRules.GetOrAdd(rule, CelExpression.Compile);

    private static Regex Pattern(string pattern) => Patterns.GetOrAdd(pattern, p => new Regex(p, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));

    private static bool Flag(JsonObject schema, string name) => schema[name] is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    private static bool IsInteger(JsonNode node) => node is JsonValue v && v.TryGetValue<long>(out _);

    private static bool TypeMatches(JsonNode node, string type) => type switch
    {
        "object" => node is JsonObject,
        "array" => node is JsonArray,
        "string" => node.GetValueKind() == JsonValueKind.String,
        "boolean" => node.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
        "integer" => node.GetValueKind() == JsonValueKind.Number && IsInteger(node),
        "number" => node.GetValueKind() == JsonValueKind.Number,
        _ => true,
    };

    private static string TypeOf(JsonNode node) => node switch
    {
        JsonObject => "object",
        JsonArray => "array",
        _ => node.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => IsInteger(node) ? "integer" : "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            _ => "null",
        },
    };

    private static bool FormatMatches(string format, string s) => format switch
    {
        "date-time" => DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
        "duration" => Flamewatch.Settings.GoDuration.TryParseGoSyntax(s, out _),
        "int32" or "int64" => true,
        _ => true,
    };
}
