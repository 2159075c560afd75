using System.Text.Json.Nodes;

namespace Flamewatch.TestKit.ApiServer;

/// <summary>A resource type the test API server serves: built in, or defined by a CustomResourceDefinition.</summary>
internal sealed class ServedResource
{
    public required string Group { get; init; }
    public required string Version { get; init; }
    public IReadOnlyList<string> Versions { get; init; } = [];
    public required string Plural { get; init; }
    public required string Singular { get; init; }
    public required string Kind { get; init; }
    public string ListKind => Kind + "List";
    public required bool Namespaced { get; init; }
    public IReadOnlyList<string> ShortNames { get; init; } = [];
    public IReadOnlyList<string> Categories { get; init; } = [];
    public bool HasStatus { get; init; }
    public bool IsCustom { get; init; }

    /// <summary>metadata.generation is maintained (pods since 1.35, custom resources, CRDs).</summary>
    public bool HasGeneration { get; init; }

    /// <summary>Field selectors beyond metadata.name/metadata.namespace, read from the stored object.</summary>
    public IReadOnlyDictionary<string, Func<JsonObject, string?>> Fields { get; init; } = new Dictionary<string, Func<JsonObject, string?>>();

    /// <summary>Per served version: the structural schema (custom resources only).</summary>
    public IReadOnlyDictionary<string, StructuralSchema> Schemas { get; init; } = new Dictionary<string, StructuralSchema>();

    public JsonArray? PrinterColumns { get; init; }

    public string Key => $"{Group}/{Plural}";

    public string GroupResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string? Field(JsonObject obj, string name) => name switch
    {
        "metadata.name" => obj["metadata"]?["name"]?.GetValue<string>(),
        "metadata.namespace" => obj["metadata"]?["namespace"]?.GetValue<string>() ?? "",
        _ => Fields.TryGetValue(name, out var f) ? f(obj) : null,
    };

    public bool SupportsField(string name) => name is "metadata.name" or "metadata.namespace" || Fields.ContainsKey(name);

    public static IEnumerable<ServedResource> BuiltIns()
    {
        yield return new ServedResource
        {
            Group = "",
            Version = "v1",
            Versions = ["v1"],
            Plural = "namespaces",
            Singular = "namespace",
            Kind = "Namespace",
            Namespaced = false,
            ShortNames = ["ns"],
            HasStatus = true,
            Fields = new Dictionary<string, Func<JsonObject, string?>> { ["status.phase"] = o => S(o, "status", "phase") },
        };
        yield return new ServedResource
        {
            Group = "",
            Version = "v1",
            Versions = ["v1"],
            Plural = "pods",
            Singular = "pod",
            Kind = "Pod",
            Namespaced = true,
            ShortNames = ["po"],
            Categories = ["all"],
            HasStatus = true,
            HasGeneration = true,
            Fields = new Dictionary<string, Func<JsonObject, string?>>
            {
                ["spec.nodeName"] = o => S(o, "spec", "nodeName"),
                ["spec.restartPolicy"] = o => S(o, "spec", "restartPolicy"),
                ["spec.schedulerName"] = o => S(o, "spec", "schedulerName"),
                ["spec.serviceAccountName"] = o => S(o, "spec", "serviceAccountName"),
                ["spec.hostNetwork"] = o => o["spec"]?["hostNetwork"]?.GetValue<bool>() == true ? "true" : "false",
                ["status.phase"] = o => S(o, "status", "phase"),
                ["status.podIP"] = o => o["status"]?["podIPs"]?[0]?["ip"]?.GetValue<string>() ?? S(o, "status", "podIP"),
                ["status.nominatedNodeName"] = o => S(o, "status", "nominatedNodeName"),
            },
        };
        yield return new ServedResource
        {
            Group = "",
            Version = "v1",
            Versions = ["v1"],
            Plural = "events",
            Singular = "event",
            Kind = "Event",
            Namespaced = true,
            ShortNames = ["ev"],
            Fields = new Dictionary<string, Func<JsonObject, string?>>
            {
                ["involvedObject.kind"] = o => S(o, "involvedObject", "kind"),
                ["involvedObject.name"] = o => S(o, "involvedObject", "name"),
                ["involvedObject.namespace"] = o => S(o, "involvedObject", "namespace"),
                ["involvedObject.uid"] = o => S(o, "involvedObject", "uid"),
                ["reason"] = o => o["reason"]?.GetValue<string>(),
                ["type"] = o => o["type"]?.GetValue<string>(),
            },
        };
        // events.k8s.io/v1, what newer clients (the official C# client's EventsV1, kubectl events) write and read. Stored
        // apart from core/v1 Events: kube-apiserver serves both views of one store, this server two stores.
        yield return new ServedResource
        {
            Group = "events.k8s.io",
            Version = "v1",
            Versions = ["v1"],
            Plural = "events",
            Singular = "event",
            Kind = "Event",
            Namespaced = true,
            Fields = new Dictionary<string, Func<JsonObject, string?>>
            {
                ["regarding.kind"] = o => S(o, "regarding", "kind"),
                ["regarding.name"] = o => S(o, "regarding", "name"),
                ["regarding.namespace"] = o => S(o, "regarding", "namespace"),
                ["regarding.uid"] = o => S(o, "regarding", "uid"),
                ["reason"] = o => o["reason"]?.GetValue<string>(),
                ["type"] = o => o["type"]?.GetValue<string>(),
                ["reportingController"] = o => o["reportingController"]?.GetValue<string>(),
            },
        };
        yield return new ServedResource { Group = "", Version = "v1", Versions = ["v1"], Plural = "configmaps", Singular = "configmap", Kind = "ConfigMap", Namespaced = true, ShortNames = ["cm"] };
        yield return new ServedResource { Group = "", Version = "v1", Versions = ["v1"], Plural = "secrets", Singular = "secret", Kind = "Secret", Namespaced = true };
        yield return new ServedResource { Group = "", Version = "v1", Versions = ["v1"], Plural = "serviceaccounts", Singular = "serviceaccount", Kind = "ServiceAccount", Namespaced = true, ShortNames = ["sa"] };
        // What Flamewatch's Helm chart renders, so its manifests can be applied with kubectl as on a real cluster.
        // Stored and served like any object; nothing runs them.
        yield return new ServedResource { Group = "", Version = "v1", Versions = ["v1"], Plural = "services", Singular = "service", Kind = "Service", Namespaced = true, ShortNames = ["svc"], HasStatus = true };
        yield return new ServedResource { Group = "", Version = "v1", Versions = ["v1"], Plural = "persistentvolumeclaims", Singular = "persistentvolumeclaim", Kind = "PersistentVolumeClaim", Namespaced = true, ShortNames = ["pvc"], HasStatus = true };
        yield return new ServedResource { Group = "apps", Version = "v1", Versions = ["v1"], Plural = "deployments", Singular = "deployment", Kind = "Deployment", Namespaced = true, ShortNames = ["deploy"], HasStatus = true, HasGeneration = true };
        yield return new ServedResource { Group = "apps", Version = "v1", Versions = ["v1"], Plural = "daemonsets", Singular = "daemonset", Kind = "DaemonSet", Namespaced = true, ShortNames = ["ds"], HasStatus = true, HasGeneration = true };
        yield return new ServedResource { Group = "rbac.authorization.k8s.io", Version = "v1", Versions = ["v1"], Plural = "clusterroles", Singular = "clusterrole", Kind = "ClusterRole", Namespaced = false };
        yield return new ServedResource { Group = "rbac.authorization.k8s.io", Version = "v1", Versions = ["v1"], Plural = "clusterrolebindings", Singular = "clusterrolebinding", Kind = "ClusterRoleBinding", Namespaced = false };
        yield return new ServedResource { Group = "rbac.authorization.k8s.io", Version = "v1", Versions = ["v1"], Plural = "roles", Singular = "role", Kind = "Role", Namespaced = true };
        yield return new ServedResource { Group = "rbac.authorization.k8s.io", Version = "v1", Versions = ["v1"], Plural = "rolebindings", Singular = "rolebinding", Kind = "RoleBinding", Namespaced = true };
        // Stored like any object, and called on create by MutatingWebhooks.
        yield return new ServedResource { Group = "admissionregistration.k8s.io", Version = "v1", Versions = ["v1"], Plural = "mutatingwebhookconfigurations", Singular = "mutatingwebhookconfiguration", Kind = "MutatingWebhookConfiguration", Namespaced = false, HasGeneration = true };
        yield return new ServedResource { Group = "coordination.k8s.io", Version = "v1", Versions = ["v1"], Plural = "leases", Singular = "lease", Kind = "Lease", Namespaced = true };
        yield return new ServedResource
        {
            Group = "apiextensions.k8s.io",
            Version = "v1",
            Versions = ["v1"],
            Plural = "customresourcedefinitions",
            Singular = "customresourcedefinition",
            Kind = "CustomResourceDefinition",
            Namespaced = false,
            ShortNames = ["crd", "crds"],
            HasStatus = true,
            HasGeneration = true,
        };
    }

    private static string? S(JsonObject o, string a, string b) => o[a]?[b]?.GetValue<string>();
}
