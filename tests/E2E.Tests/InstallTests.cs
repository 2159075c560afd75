using System.Text.Json;

namespace Flamewatch.E2E.Tests;

/// <summary>
/// helm install the chart on a real cluster, select a demo .NET deployment with a ContinuousProfile and
/// check that its profiles reach the agent.
/// </summary>
public sealed class InstallTests : IClassFixture<Cluster>
{
    private readonly Cluster _cluster;

    public InstallTests(Cluster cluster) => _cluster = cluster;

    [ClusterFact]
    public void Profiles_of_a_selected_deployment_reach_the_agent()
    {
        var ns = "flamewatch-e2e-" + Guid.NewGuid().ToString("N")[..6];
        try
        {
            Cluster.Require(_cluster.Kubectl("create", "namespace", ns));
            Cluster.Require(_cluster.Kubectl("label", "namespace", ns, "pod-security.kubernetes.io/enforce=privileged"));
            Cluster.Require(_cluster.Helm(
                "install", "fw", "charts/flamewatch", "--namespace", ns, "--wait", "--timeout", "5m",
                "--set", $"image.registry={_cluster.ImageRegistry}", "--set", $"image.tag={_cluster.ImageTag}",
                "--set", "operator.image.repository=operator", "--set", "collector.image.repository=collector",
                "--set", "agent.image.repository=agent", "--set", "agent.persistence.enabled=false",
                "--set", "image.pullPolicy=IfNotPresent"));

            Cluster.Require(_cluster.KubectlApply($$$"""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: demo, namespace: {{{ns}}}}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: demo}}
                  template:
                    metadata: {labels: {app: demo}}
                    spec:
                      containers:
                        - name: demo
                          image: {{{_cluster.ImageRegistry}}}/demo-app:{{{_cluster.ImageTag}}}
                          imagePullPolicy: IfNotPresent
                ---
                apiVersion: flamewatch.io/v1alpha1
                kind: ContinuousProfile
                metadata: {name: demo, namespace: {{{ns}}}}
                spec:
                  applicationName: e2e-demo
                  selector: {matchLabels: {app: demo}}
                  period: 10s
                  uploadTimeout: 5s
                  labels: {suite: e2e}
                """));
            Cluster.Require(_cluster.Kubectl("-n", ns, "rollout", "status", "deployment/demo", "--timeout=3m"));

            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            string applications;
            do
            {
                Thread.Sleep(5000);
                // Through the API server's service proxy: no port-forward to manage.
                applications = _cluster.Kubectl("get", "--raw", $"/api/v1/namespaces/{ns}/services/http:fw-flamewatch-agent:http/proxy/api/applications").StdOut;
            }
            while (!applications.Contains("e2e-demo", StringComparison.Ordinal) && DateTime.UtcNow < deadline);

            Assert.Contains("e2e-demo", applications);
            using var json = JsonDocument.Parse(applications);
            Assert.Equal(JsonValueKind.Array, json.RootElement.ValueKind);

            var profile = _cluster.Kubectl("get", "cprof", "demo", "-n", ns, "-o", "jsonpath={.status.matchedPods}");
            Assert.Equal("1", profile.StdOut.Trim());
        }
        finally
        {
            _cluster.Helm("uninstall", "fw", "--namespace", ns, "--wait");
            _cluster.Kubectl("delete", "namespace", ns, "--wait=false");
        }
    }
}
