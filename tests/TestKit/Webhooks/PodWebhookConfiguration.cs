namespace Flamewatch.TestKit.Webhooks;

/// <summary>
/// The operator's MutatingWebhookConfiguration as the chart renders it (pods on CREATE, failurePolicy Ignore,
/// sideEffects None, kube-system and Flamewatch's namespace left out), for tests and benchmarks that create it themselves.
/// </summary>
public static class PodWebhookConfiguration
{
    /// <summary>The configuration calling <paramref name="url"/>.</summary>
    public static string ForUrl(Uri url, int timeoutSeconds = 3, string ownNamespace = "flamewatch") =>
        Yaml($"url: \"{url}\"", timeoutSeconds, ownNamespace);

    /// <summary>The configuration calling a Service's <c>/mutate-pods</c> on port 443.</summary>
    public static string ForService(string serviceNamespace, string serviceName, int timeoutSeconds = 3, string ownNamespace = "flamewatch") =>
        Yaml($"service: {{namespace: {serviceNamespace}, name: {serviceName}, port: 443, path: /mutate-pods}}", timeoutSeconds, ownNamespace);

    private static string Yaml(string clientConfig, int timeoutSeconds, string ownNamespace) => $$"""
        apiVersion: admissionregistration.k8s.io/v1
        kind: MutatingWebhookConfiguration
        metadata:
          name: flamewatch-operator
        webhooks:
        - name: pods.flamewatch.io
          admissionReviewVersions: [v1]
          sideEffects: None
          failurePolicy: Ignore
          timeoutSeconds: {{timeoutSeconds}}
          namespaceSelector:
            matchExpressions:
            - {key: kubernetes.io/metadata.name, operator: NotIn, values: [kube-system, {{ownNamespace}}]}
          clientConfig:
            {{clientConfig}}
          rules:
          - {operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [pods], scope: Namespaced}
        """;
}
