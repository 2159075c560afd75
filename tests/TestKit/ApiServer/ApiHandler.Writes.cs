using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Flamewatch.TestKit.ApiServer;

internal sealed partial class ApiHandler
{
    private const string NameMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex SubdomainRegex();

    private void StampNew(JsonObject obj)
    {
        var meta = obj["metadata"]!.AsObject();
        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = Now();
        meta.Remove("resourceVersion");
        meta.Remove("deletionTimestamp");
        meta.Remove("deletionGracePeriodSeconds");
    }

    private string Now() => _options.TimeProvider.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static bool DryRun(IQueryCollection query) => query.ContainsKey("dryRun");

    // ---- create ----

    private JsonObject Create(ServedResource r, string? ns, JsonObject? body, IQueryCollection query)
    {
        var obj = body ?? throw ApiError.BadRequest("the request body is empty");
        obj["apiVersion"] ??= r.ApiVersion;
        obj["kind"] ??= r.Kind;
        if (obj["kind"]?.GetValue<string>() != r.Kind)
        {
            throw ApiError.BadRequest($"the kind of the object ({obj["kind"]}) does not match the kind of the request ({r.Kind})");
        }

        if (obj["metadata"] is not JsonObject meta)
        {
            obj["metadata"] = meta = [];
        }

        if (r.Namespaced)
        {
            var bodyNs = meta["namespace"]?.GetValue<string>();
            if (!string.IsNullOrEmpty(bodyNs) && bodyNs != ns)
            {
                throw ApiError.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            meta["namespace"] = ns;
            var namespaces = Resource("", "namespaces")!;
            if (_options.RequireNamespaces && _store.Get(namespaces, null, ns!) is null)
            {
                throw ApiError.NotFound(namespaces, ns!);
            }
        }
        else
        {
            meta.Remove("namespace");
        }

        var name = meta["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name))
        {
            var generate = meta["generateName"]?.GetValue<string>();
            if (string.IsNullOrEmpty(generate))
            {
                throw ApiError.Invalid(r, "", [FieldError.Required("metadata.name", "name or generateName is required")]);
            }

            const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
            name = generate + new string(Enumerable.Range(0, 5).Select(_ => alphabet[Random.Shared.Next(alphabet.Length)]).ToArray());
            meta["name"] = name;
        }

        if (name.Length > 253 || !SubdomainRegex().IsMatch(name))
        {
            throw ApiError.Invalid(r, name, [FieldError.Invalid("metadata.name", name, NameMessage)]);
        }

        StampNew(obj);
        if (r.HasGeneration)
        {
            meta["generation"] = 1;
        }

        if (r.HasStatus && r.IsCustom)
        {
            obj.Remove("status");
        }

        var warnings = Admit(r, obj, null, null, query);
        lock (_store.Gate)
        {
            if (_store.Get(r, ns, name) is not null)
            {
                throw ApiError.AlreadyExists(r, name);
            }

            if (r.IsCustom && Resource(r.Group, r.Plural) is null)
            {
                throw new ApiError(404, "NotFound", "the server could not find the requested resource");
            }

            _ = warnings;
            var result = DryRun(query) ? obj : _store.Write(r, obj, null);
            AfterWrite(r, result);
            return result.DeepClone().AsObject();
        }
    }

    // ---- update ----

    private JsonObject Update(ServedResource r, string? ns, string name, string? sub, JsonObject? body, IQueryCollection query)
    {
        var candidate = body ?? throw ApiError.BadRequest("the request body is empty");
        var bodyName = candidate["metadata"]?["name"]?.GetValue<string>();
        if (bodyName != name)
        {
            throw ApiError.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        lock (_store.Gate)
        {
            var old = _store.Get(r, ns, name) ?? throw ApiError.NotFound(r, name);
            var rv = candidate["metadata"]?["resourceVersion"]?.GetValue<string>();
            if (string.IsNullOrEmpty(rv))
            {
                if (r.IsCustom || r.Plural == "customresourcedefinitions")
                {
                    throw ApiError.Invalid(r, name, [new FieldError("metadata.resourceVersion", "Invalid value: 0x0", "must be specified for an update")]);
                }
            }
            else if (rv != old["metadata"]!["resourceVersion"]!.GetValue<string>())
            {
                throw ApiError.Conflict(r, name);
            }

            return Commit(r, old, candidate, sub, query);
        }
    }

    private async Task<(JsonObject Result, bool Created)> PatchAsync(HttpContext context, ServedResource r, string? ns, string name, string? sub)
    {
        var contentType = (context.Request.ContentType ?? "").Split(';')[0].Trim();
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        JsonNode? patch;
        try
        {
            patch = JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw ApiError.BadRequest($"error decoding patch: {e.Message}");
        }

        var query = context.Request.Query;
        if (contentType == "application/strategic-merge-patch+json" && r.IsCustom)
        {
            throw new ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
        }

        if (contentType is not ("application/merge-patch+json" or "application/json-patch+json" or "application/strategic-merge-patch+json" or "application/apply-patch+yaml"))
        {
            throw new ApiError(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml{(r.IsCustom ? "" : ", application/strategic-merge-patch+json")}");
        }

        if (contentType == "application/apply-patch+yaml" && string.IsNullOrEmpty(query["fieldManager"]))
        {
            throw ApiError.BadRequest("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
        }

        JsonObject? existing;
        lock (_store.Gate)
        {
            existing = _store.Get(r, ns, name);
        }

        if (existing is null)
        {
            if (contentType == "application/apply-patch+yaml" && patch is JsonObject applied && sub is null)
            {
                return (Create(r, ns, applied, query), true);
            }

            throw ApiError.NotFound(r, name);
        }

        lock (_store.Gate)
        {
            var old = _store.Get(r, ns, name) ?? throw ApiError.NotFound(r, name);
            JsonNode? result;
            try
            {
                result = contentType switch
                {
                    "application/json-patch+json" => Patches.JsonPatch(old.DeepClone(), patch as JsonArray ?? throw ApiError.BadRequest("a JSON patch must be an array of operations")),
                    "application/strategic-merge-patch+json" => Patches.StrategicMerge(old.DeepClone(), patch),
                    _ => Patches.MergePatch(old.DeepClone(), patch),
                };
            }
            catch (InvalidOperationException e)
            {
                throw new ApiError(422, "Invalid", e.Message);
            }

            if (result is not JsonObject candidate || candidate["metadata"] is not JsonObject)
            {
                throw new ApiError(422, "Invalid", "the patch produced an object without metadata");
            }

            var patchedRv = candidate["metadata"]!["resourceVersion"]?.GetValue<string>();
            if (patchedRv is not null && patchedRv != old["metadata"]!["resourceVersion"]!.GetValue<string>())
            {
                throw ApiError.Conflict(r, name);
            }

            if (candidate["metadata"]!["name"]?.GetValue<string>() != name)
            {
                throw ApiError.BadRequest("the name of the object may not be changed by a patch");
            }

            return (Commit(r, old, candidate, sub, query), false);
        }
    }

    /// <summary>The shared update path (PUT and PATCH), run under the store lock with the precondition already checked.</summary>
    private JsonObject Commit(ServedResource r, JsonObject old, JsonObject candidate, string? sub, IQueryCollection query)
    {
        var oldMeta = old["metadata"]!.AsObject();
        JsonObject next;
        if (sub == "status")
        {
            next = old.DeepClone().AsObject();
            next.Remove("status");
            if (candidate["status"] is { } status)
            {
                next["status"] = status.DeepClone();
            }
        }
        else
        {
            next = candidate;
            next["apiVersion"] = old["apiVersion"]?.DeepClone();
            next["kind"] = old["kind"]?.DeepClone();
            if (next["metadata"] is not JsonObject)
            {
                next["metadata"] = new JsonObject();
            }

            var meta = next["metadata"]!.AsObject();
            foreach (var field in new[] { "uid", "creationTimestamp", "namespace", "name", "deletionTimestamp", "deletionGracePeriodSeconds", "generation" })
            {
                meta.Remove(field);
                if (oldMeta[field] is { } value)
                {
                    meta[field] = value.DeepClone();
                }
            }

            if (r.HasStatus)
            {
                next.Remove("status");
                if (old["status"] is { } oldStatus)
                {
                    next["status"] = oldStatus.DeepClone();
                }
            }

            if (oldMeta["deletionTimestamp"] is not null)
            {
                var before = Finalizers(old);
                var added = Finalizers(next).Where(f => !before.Contains(f)).ToList();
                if (added.Count > 0)
                {
                    throw ApiError.Invalid(r, oldMeta["name"]!.GetValue<string>(), [FieldError.Forbidden("metadata.finalizers", $"no new finalizers can be added if the object is being deleted, found new finalizers []string{{{string.Join(", ", added.Select(a => $"\"{a}\""))}}}")]);
                }
            }
        }

        next["metadata"]!["resourceVersion"] = oldMeta["resourceVersion"]!.DeepClone();
        Admit(r, next, old, sub, query);
        if (r.HasGeneration && !JsonNode.DeepEquals(SpecPart(r, old), SpecPart(r, next)))
        {
            next["metadata"]!["generation"] = (oldMeta["generation"]?.GetValue<long>() ?? 0) + 1;
        }

        if (JsonNode.DeepEquals(old, next))
        {
            return old.DeepClone().AsObject();
        }

        if (DryRun(query))
        {
            return next;
        }

        if (oldMeta["deletionTimestamp"] is not null && Finalizers(next).Count == 0)
        {
            var deleted = _store.Remove(r, next);
            AfterDelete(r, deleted);
            return deleted.DeepClone().AsObject();
        }

        var written = _store.Write(r, next, old);
        AfterWrite(r, written);
        return written.DeepClone().AsObject();
    }

    private static JsonObject SpecPart(ServedResource r, JsonObject obj)
    {
        var copy = new JsonObject();
        foreach (var (key, value) in obj)
        {
            if (key is "metadata" || (key is "status" && r.HasStatus))
            {
                continue;
            }

            copy[key] = value?.DeepClone();
        }

        return copy;
    }

    private static List<string> Finalizers(JsonObject obj) =>
        obj["metadata"]?["finalizers"] is JsonArray a ? a.Select(f => f?.GetValue<string>() ?? "").ToList() : [];

    // ---- delete ----

    private JsonObject Delete(ServedResource r, string? ns, string name, JsonObject? options, IQueryCollection query)
    {
        lock (_store.Gate)
        {
            var old = _store.Get(r, ns, name) ?? throw ApiError.NotFound(r, name);
            var meta = old["metadata"]!;
            if (options?["preconditions"] is JsonObject pre)
            {
                var uid = pre["uid"]?.GetValue<string>();
                if (uid is not null && uid != meta["uid"]?.GetValue<string>())
                {
                    throw new ApiError(409, "Conflict", $"Precondition failed: UID in precondition: {uid}, UID in object meta: {meta["uid"]}");
                }

                var rv = pre["resourceVersion"]?.GetValue<string>();
                if (rv is not null && rv != meta["resourceVersion"]?.GetValue<string>())
                {
                    throw new ApiError(409, "Conflict", $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {meta["resourceVersion"]}");
                }
            }

            if (DryRun(query))
            {
                return old.DeepClone().AsObject();
            }

            if (Finalizers(old).Count > 0)
            {
                if (meta["deletionTimestamp"] is not null)
                {
                    return old.DeepClone().AsObject();
                }

                var next = old.DeepClone().AsObject();
                next["metadata"]!["deletionTimestamp"] = Now();
                next["metadata"]!["deletionGracePeriodSeconds"] = 0;
                return _store.Write(r, next, old).DeepClone().AsObject();
            }

            var deleted = _store.Remove(r, old);
            AfterDelete(r, deleted);
            return deleted.DeepClone().AsObject();
        }
    }

    // ---- per-kind rules ----

    /// <summary>Defaulting and validation of a create (old null) or update; throws 422/400.</summary>
    private List<string> Admit(ServedResource r, JsonObject obj, JsonObject? old, string? sub, IQueryCollection query)
    {
        var name = obj["metadata"]?["name"]?.GetValue<string>() ?? "";
        var errors = new List<FieldError>();
        var warnings = new List<string>();
        switch (r.Plural)
        {
            case "pods" when r.Group.Length == 0:
                AdmitPod(obj, old, sub, errors);
                break;
            case "namespaces" when r.Group.Length == 0:
                if (old is null)
                {
                    obj["status"] = new JsonObject { ["phase"] = "Active" };
                }

                // The NamespaceDefaultLabelName admission: every namespace carries its own name as a label.
                var metadata = obj["metadata"]!.AsObject();
                if (metadata["labels"] is not JsonObject nsLabels)
                {
                    metadata["labels"] = nsLabels = [];
                }

                nsLabels["kubernetes.io/metadata.name"] = name;
                break;
            case "customresourcedefinitions":
                Crds.Admit(obj, errors);
                break;
            case "mutatingwebhookconfigurations":
                AdmitWebhooks(obj, errors);
                break;
        }

        if (r.IsCustom)
        {
            var version = obj["apiVersion"]?.GetValue<string>()?.Split('/').Last() ?? r.Version;
            if (r.Schemas.TryGetValue(version, out var schema) || r.Schemas.TryGetValue(r.Version, out schema))
            {
                var pruned = schema.Prune(obj);
                if (pruned.Count > 0 && sub is null)
                {
                    var mode = query["fieldValidation"].ToString();
                    if (mode == "Strict")
                    {
                        var first = pruned.Count == 1
                            ? $"strict decoding error: unknown field \"{pruned[0]}\""
                            : "strict decoding error: " + string.Join(", ", pruned.Select(p => $"unknown field \"{p}\""));
                        throw ApiError.BadRequest(first);
                    }

                    warnings.AddRange(pruned.Select(p => $"unknown field \"{p}\""));
                }

                schema.ApplyDefaults(obj);
                schema.Validate(obj, errors);
            }
        }

        if (errors.Count > 0)
        {
            throw ApiError.Invalid(r, name, errors);
        }

        return warnings;
    }

    /// <summary>admissionregistration/v1 validation and defaults of the fields webhook calls depend on.</summary>
    private static void AdmitWebhooks(JsonObject configuration, List<FieldError> errors)
    {
        var webhooks = configuration["webhooks"] as JsonArray ?? [];
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < webhooks.Count; i++)
        {
            var at = $"webhooks[{i}]";
            if (webhooks[i] is not JsonObject webhook)
            {
                errors.Add(FieldError.Required(at));
                continue;
            }

            var name = webhook["name"]?.GetValue<string>();
            if (string.IsNullOrEmpty(name) || name.Count(c => c == '.') < 2)
            {
                errors.Add(name is null ? FieldError.Required($"{at}.name") : FieldError.Invalid($"{at}.name", name, "should be a domain with at least three segments separated by dots"));
            }
            else if (!names.Add(name))
            {
                errors.Add(new FieldError($"{at}.name", "Duplicate value", "", name, true));
            }

            if (webhook["admissionReviewVersions"] is not JsonArray { Count: > 0 } versions)
            {
                errors.Add(FieldError.Required($"{at}.admissionReviewVersions", "must specify one of v1, v1beta1"));
            }

            var sideEffects = webhook["sideEffects"]?.GetValue<string>();
            if (sideEffects is null)
            {
                errors.Add(FieldError.Required($"{at}.sideEffects", "must specify one of None, NoneOnDryRun"));
            }
            else if (sideEffects is not ("None" or "NoneOnDryRun"))
            {
                errors.Add(new FieldError($"{at}.sideEffects", "Unsupported value", "supported values: \"None\", \"NoneOnDryRun\"", sideEffects, true));
            }

            var failurePolicy = webhook["failurePolicy"]?.GetValue<string>() ?? "Fail";
            if (failurePolicy is not ("Fail" or "Ignore"))
            {
                errors.Add(new FieldError($"{at}.failurePolicy", "Unsupported value", "supported values: \"Fail\", \"Ignore\"", failurePolicy, true));
            }

            webhook["failurePolicy"] = failurePolicy;
            var timeout = webhook["timeoutSeconds"]?.GetValue<int>() ?? 10;
            if (timeout is < 1 or > 30)
            {
                errors.Add(FieldError.Invalid($"{at}.timeoutSeconds", timeout, "the timeout value must be between 1 and 30 seconds"));
            }

            webhook["timeoutSeconds"] = timeout;
            webhook["namespaceSelector"] ??= new JsonObject();
            webhook["objectSelector"] ??= new JsonObject();
            webhook["matchPolicy"] ??= "Equivalent";
            webhook["reinvocationPolicy"] ??= "Never";
            if (webhook["clientConfig"] is not JsonObject client || (client["url"] is null) == (client["service"] is null))
            {
                errors.Add(FieldError.Required($"{at}.clientConfig", "exactly one of url or service is required"));
            }
        }
    }

    private static void AdmitPod(JsonObject pod, JsonObject? old, string? sub, List<FieldError> errors)
    {
        if (sub == "status")
        {
            return;
        }

        if (pod["spec"] is not JsonObject spec)
        {
            errors.Add(FieldError.Required("spec"));
            return;
        }

        if (old is null)
        {
            spec["restartPolicy"] ??= "Always";
            spec["schedulerName"] ??= "default-scheduler";
            spec["dnsPolicy"] ??= "ClusterFirst";
            spec["terminationGracePeriodSeconds"] ??= 30;
            spec["serviceAccountName"] ??= "default";
            spec["enableServiceLinks"] ??= true;
            pod["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = "BestEffort" };
        }

        if (spec["containers"] is not JsonArray { Count: > 0 } containers)
        {
            errors.Add(FieldError.Required("spec.containers"));
            return;
        }

        for (var i = 0; i < containers.Count; i++)
        {
            if (containers[i] is not JsonObject c)
            {
                continue;
            }

            if (string.IsNullOrEmpty(c["name"]?.GetValue<string>()))
            {
                errors.Add(FieldError.Required($"spec.containers[{i}].name"));
            }

            var image = c["image"]?.GetValue<string>();
            if (string.IsNullOrEmpty(image))
            {
                errors.Add(FieldError.Required($"spec.containers[{i}].image"));
            }
            else if (old is null)
            {
                c["imagePullPolicy"] ??= image.EndsWith(":latest", StringComparison.Ordinal) || !image.Contains(':', StringComparison.Ordinal) ? "Always" : "IfNotPresent";
                c["terminationMessagePath"] ??= "/dev/termination-log";
                c["terminationMessagePolicy"] ??= "File";
            }
        }

        // Binding (pods/binding on a real cluster) is approximated by allowing spec.nodeName to go from unset to a node.
        var before = old?["spec"] as JsonObject;
        if (before is not null && string.IsNullOrEmpty(before["nodeName"]?.GetValue<string>()) && spec["nodeName"] is not null)
        {
            before = before.DeepClone().AsObject();
            before["nodeName"] = spec["nodeName"]!.DeepClone();
        }

        if (before is not null && !JsonNode.DeepEquals(WithoutImages(before), WithoutImages(spec)))
        {
            errors.Add(FieldError.Forbidden("spec", "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"));
        }
    }

    private static JsonNode WithoutImages(JsonObject spec)
    {
        var copy = spec.DeepClone().AsObject();
        foreach (var list in new[] { "containers", "initContainers" })
        {
            if (copy[list] is JsonArray a)
            {
                foreach (var c in a.OfType<JsonObject>())
                {
                    c.Remove("image");
                }
            }
        }

        copy.Remove("activeDeadlineSeconds");
        copy.Remove("tolerations");
        return copy;
    }

    private void AfterWrite(ServedResource r, JsonObject obj)
    {
        if (r.Plural == "customresourcedefinitions" && obj["metadata"]?["deletionTimestamp"] is null)
        {
            var served = Crds.ToServedResource(obj);
            _resources[served.Key] = served;
        }
    }

    private void AfterDelete(ServedResource r, JsonObject deleted)
    {
        if (r.Plural == "customresourcedefinitions")
        {
            var served = Crds.ToServedResource(deleted);
            foreach (var cr in _store.All(served))
            {
                _store.Remove(served, cr);
            }

            _resources.TryRemove(served.Key, out _);
        }
        else if (r.Plural == "namespaces" && r.Group.Length == 0)
        {
            var ns = deleted["metadata"]!["name"]!.GetValue<string>();
            foreach (var res in _resources.Values.Where(x => x.Namespaced))
            {
                foreach (var obj in _store.All(res).Where(o => o["metadata"]?["namespace"]?.GetValue<string>() == ns))
                {
                    _store.Remove(res, obj);
                }
            }
        }
    }
}
