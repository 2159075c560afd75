using System.Text.Json.Nodes;
using Flamewatch.TestKit;
using Flamewatch.TestKit.Processes;

namespace Flamewatch.Chart.Tests;

/// <summary>The Helm chart checked with the real helm binary and the upstream Kubernetes schemas.</summary>
public sealed class ChartTests
{
    /// <summary>Named value sets every rendering check runs under.</summary>
    public static TheoryData<string, string[]> ValueSets() => new()
    {
        { "defaults", [] },
        { "external-datadog-agent", ["agent.enabled=false", "agent.url=http://datadog-agent.datadog.svc:8126"] },
        { "external-pyroscope", ["agent.enabled=false", "agent.url=http://pyroscope.pyroscope.svc:4040", "agent.protocol=pyroscope"] },
        { "custom-tolerations", ["collector.tolerations[0].operator=Exists", "collector.tolerations[1].key=gpu", "collector.tolerations[1].operator=Equal", "collector.tolerations[1].value=a100", "collector.tolerations[1].effect=NoSchedule"] },
        { "token-on", ["agent.token.enabled=true", "agent.token.value=s3cret"] },
        { "two-operators-no-persistence", ["operator.replicas=2", "agent.persistence.enabled=false"] },
        { "webhook-off", ["operator.webhook.enabled=false"] },
        { "webhook-narrowed", ["operator.webhook.excludeNamespaces[0]=batch", "operator.webhook.objectSelector.matchLabels.profiling=on", "operator.webhook.timeoutSeconds=2"] },
    };

    [Fact]
    public async Task The_webhook_is_on_by_default_never_blocks_pods_and_leaves_out_kube_system_and_its_own_namespace()
    {
        var chart = await Helm.TemplateAsync();
        var configuration = chart.Single("MutatingWebhookConfiguration", "-operator");
        var webhook = configuration["webhooks"]![0]!;
        var operatorContainer = RenderedChart.Container(chart.Single("Deployment", "-operator"));
        var args = Strings(operatorContainer["args"]);
        var service = chart.Single("Service", "-webhook");

        Assert.Equal("Ignore", (string?)webhook["failurePolicy"]);
        Assert.Equal("None", (string?)webhook["sideEffects"]);
        Assert.InRange((int)webhook["timeoutSeconds"]!, 1, 5);
        Assert.Equal(["CREATE"], Strings(webhook["rules"]![0]!["operations"]));
        Assert.Equal(["pods"], Strings(webhook["rules"]![0]!["resources"]));
        var excluded = webhook["namespaceSelector"]!["matchExpressions"]![0]!;
        Assert.Equal(("kubernetes.io/metadata.name", "NotIn"), ((string?)excluded["key"], (string?)excluded["operator"]));
        Assert.Equal(["flamewatch", "kube-system"], Strings(excluded["values"]).Order());

        // The configuration reaches the operator's webhook port through the Service, under the names the operator is told.
        Assert.Equal((string?)service["metadata"]!["name"], (string?)webhook["clientConfig"]!["service"]!["name"]);
        Assert.Equal("webhook", (string?)service["spec"]!["ports"]![0]!["targetPort"]);
        Assert.Contains(operatorContainer["ports"]!.AsArray(), p => (string?)p!["name"] == "webhook");
        Assert.Contains("--webhook=true", args);
        Assert.Contains("--webhook-certificates=self-signed", args);
        Assert.Contains($"--Webhook:ServiceName={service["metadata"]!["name"]}", args);
        Assert.Contains($"--Webhook:ConfigurationName={configuration["metadata"]!["name"]}", args);
        Assert.Equal("flamewatch", (string?)webhook["clientConfig"]!["service"]!["namespace"]);
    }

    [Fact]
    public async Task Turning_the_webhook_off_removes_it_its_Service_and_its_permissions()
    {
        var chart = await Helm.TemplateAsync("operator.webhook.enabled=false");
        var granted = Flamewatch.TestKit.Rbac.RbacRules.GrantedToWorkload(chart.Documents, "Deployment", "-operator");

        Assert.Empty(chart.OfKind("MutatingWebhookConfiguration"));
        Assert.DoesNotContain(chart.OfKind("Service"), s => ((string?)s["metadata"]!["name"])!.EndsWith("-webhook", StringComparison.Ordinal));
        Assert.DoesNotContain(Strings(RenderedChart.Container(chart.Single("Deployment", "-operator"))["args"]), a => a.StartsWith("--webhook", StringComparison.Ordinal));
        Assert.DoesNotContain(granted, g => g.Resource is "secrets" or "mutatingwebhookconfigurations");
    }

    [Fact]
    public async Task With_cert_manager_a_Certificate_fills_the_Secret_and_the_operator_only_reads_it()
    {
        var chart = await Helm.TemplateAsync("operator.webhook.certificates=cert-manager");
        var certificate = chart.Single("Certificate", "-webhook");
        var configuration = chart.Single("MutatingWebhookConfiguration", "-operator");
        var args = Strings(RenderedChart.Container(chart.Single("Deployment", "-operator"))["args"]);
        var granted = Flamewatch.TestKit.Rbac.RbacRules.GrantedToWorkload(chart.Documents, "Deployment", "-operator");

        Assert.Contains("--webhook-certificates=external", args);
        Assert.Contains($"--Webhook:SecretName={certificate["spec"]!["secretName"]}", args);
        Assert.Equal($"flamewatch/{certificate["metadata"]!["name"]}", (string?)configuration["metadata"]!["annotations"]!["cert-manager.io/inject-ca-from"]);
        Assert.Contains($"{configuration["webhooks"]![0]!["clientConfig"]!["service"]!["name"]}.flamewatch.svc", Strings(certificate["spec"]!["dnsNames"]));
        Assert.Single(chart.OfKind("Issuer"));
        Assert.Contains(("secrets", "get"), granted);
        Assert.DoesNotContain(granted, g => g is ("secrets", "create" or "update") || g.Resource == "mutatingwebhookconfigurations");

        var external = await Helm.TemplateAsync("operator.webhook.certificates=cert-manager", "operator.webhook.certManager.issuerRef.kind=ClusterIssuer", "operator.webhook.certManager.issuerRef.name=corp-ca");
        Assert.Empty(external.OfKind("Issuer"));
        Assert.Equal("corp-ca", (string?)external.Single("Certificate", "-webhook")["spec"]!["issuerRef"]!["name"]);
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public async Task Lint_passes_strict(string name, string[] values)
    {
        var arguments = new List<string> { "lint", Helm.Chart, "--strict" };
        foreach (var value in values)
        {
            arguments.Add("--set");
            arguments.Add(value);
        }

        var result = await Helm.RunAsync([.. arguments]);

        Assert.True(result.ExitCode == 0, $"helm lint ({name}) failed:\n{result.Output}");
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public async Task Rendered_manifests_match_the_upstream_Kubernetes_schemas(string name, string[] values)
    {
        var chart = await Helm.TemplateAsync(values);
        var scratch = Directory.CreateTempSubdirectory("flamewatch-validate-");
        try
        {
            File.CreateSymbolicLink(Path.Combine(scratch.FullName, "node_modules"), Path.Combine(RepositoryFiles.PathOf("tools"), "node_modules"));
            var script = Path.Combine(scratch.FullName, "validate-manifests.mjs");
            File.Copy(Path.Combine(AppContext.BaseDirectory, "validate-manifests.mjs"), script);
            var manifests = Path.Combine(scratch.FullName, "manifests.yaml");
            await File.WriteAllTextAsync(manifests, chart.Text);

            var result = await Command.RunAsync("node", [script, manifests]);

            Assert.True(result.ExitCode == 0, $"{name}: rendered manifests are invalid:\n{result.Output}");
            Assert.Contains("UNKNOWN-FIELDS none", result.StdOut);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Collector_runs_with_host_PID_and_only_SYS_PTRACE_and_DAC_OVERRIDE()
    {
        var chart = await Helm.TemplateAsync();
        var collector = chart.Single("DaemonSet", "-collector");
        var pod = RenderedChart.PodSpec(collector);
        var container = RenderedChart.Container(collector);
        var security = container["securityContext"]!;

        Assert.True((bool?)pod["hostPID"]);
        Assert.Null(pod["hostNetwork"]);
        Assert.Null(pod["hostIPC"]);
        Assert.Equal(0, (int?)security["runAsUser"]);
        Assert.False((bool?)security["privileged"]);
        Assert.False((bool?)security["allowPrivilegeEscalation"]);
        Assert.True((bool?)security["readOnlyRootFilesystem"]);
        Assert.Equal(["ALL"], Strings(security["capabilities"]!["drop"]));
        Assert.Equal(["DAC_OVERRIDE", "SYS_PTRACE"], Strings(security["capabilities"]!["add"]).Order());
        Assert.DoesNotContain(pod["volumes"]!.AsArray(), v => v!["hostPath"] is not null);

        var nodeName = container["env"]!.AsArray().Single(e => (string?)e!["name"] == "NODE_NAME")!;
        Assert.Equal("spec.nodeName", (string?)nodeName["valueFrom"]!["fieldRef"]!["fieldPath"]);
    }

    [Theory]
    [InlineData("-operator")]
    [InlineData("-agent")]
    public async Task Operator_and_agent_meet_the_restricted_pod_security_level(string suffix)
    {
        var chart = await Helm.TemplateAsync();
        var deployment = chart.Single("Deployment", suffix);
        var pod = RenderedChart.PodSpec(deployment);
        var security = RenderedChart.Container(deployment)["securityContext"]!;

        Assert.True((bool?)pod["securityContext"]!["runAsNonRoot"]);
        Assert.True((bool?)security["runAsNonRoot"]);
        Assert.NotEqual(0, (int?)security["runAsUser"]);
        Assert.False((bool?)security["allowPrivilegeEscalation"]);
        Assert.True((bool?)security["readOnlyRootFilesystem"]);
        Assert.Equal(["ALL"], Strings(security["capabilities"]!["drop"]));
        Assert.Null(security["capabilities"]!["add"]);
        Assert.Equal("RuntimeDefault", (string?)security["seccompProfile"]!["type"]);
        Assert.Null(pod["hostPID"]);
    }

    [Fact]
    public async Task Collectors_upload_to_the_embedded_agent_service_by_default()
    {
        var chart = await Helm.TemplateAsync();
        var args = Strings(RenderedChart.Container(chart.Single("DaemonSet", "-collector"))["args"]);
        var service = chart.Single("Service", "-agent");
        var port = (int?)service["spec"]!["ports"]![0]!["port"];

        Assert.Contains($"--agent=http://{service["metadata"]!["name"]}.flamewatch.svc:{port}", args);
        Assert.Single(chart.OfKind("PersistentVolumeClaim"));
    }

    [Fact]
    public async Task Agent_disabled_sends_to_the_given_url_and_renders_no_agent()
    {
        var chart = await Helm.TemplateAsync("agent.enabled=false", "agent.url=http://pyroscope.pyroscope.svc:4040", "agent.protocol=pyroscope");
        var args = Strings(RenderedChart.Container(chart.Single("DaemonSet", "-collector"))["args"]);

        Assert.Contains("--agent=http://pyroscope.pyroscope.svc:4040", args);
        Assert.Contains("--agent-protocol=pyroscope", args);
        Assert.DoesNotContain(chart.Documents, d => ((string?)d["metadata"]!["name"])!.Contains("-agent", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Custom_tolerations_reach_the_collector_DaemonSet()
    {
        var chart = await Helm.TemplateAsync("collector.tolerations[0].key=gpu", "collector.tolerations[0].operator=Exists", "collector.tolerations[0].effect=NoSchedule");
        var tolerations = RenderedChart.PodSpec(chart.Single("DaemonSet", "-collector"))["tolerations"]!.AsArray();

        var toleration = Assert.Single(tolerations)!;
        Assert.Equal("gpu", (string?)toleration["key"]);
        Assert.Equal("NoSchedule", (string?)toleration["effect"]);
    }

    [Fact]
    public async Task Token_on_puts_one_Secret_behind_the_agent_and_every_collector()
    {
        var chart = await Helm.TemplateAsync("agent.token.enabled=true", "agent.token.value=s3cret");
        var secret = Assert.Single(chart.OfKind("Secret"));
        var secretName = (string?)secret["metadata"]!["name"];

        Assert.Equal("czNjcmV0", (string?)secret["data"]!["token"]);
        // The agent reads it as configuration (Agent:Token), collectors as FLAMEWATCH_TOKEN.
        foreach (var (workload, variable) in new[] { (chart.Single("Deployment", "-agent"), "Agent__Token"), (chart.Single("DaemonSet", "-collector"), "FLAMEWATCH_TOKEN") })
        {
            var token = RenderedChart.Container(workload)["env"]!.AsArray().Single(e => (string?)e!["name"] == variable)!;
            Assert.Equal(secretName, (string?)token["valueFrom"]!["secretKeyRef"]!["name"]);
        }
    }

    [Fact]
    public async Task Token_from_an_existing_Secret_creates_no_Secret()
    {
        var chart = await Helm.TemplateAsync("agent.token.enabled=true", "agent.token.existingSecret=my-token");

        Assert.Empty(chart.OfKind("Secret"));
        var token = RenderedChart.Container(chart.Single("Deployment", "-agent"))["env"]!.AsArray().Single(e => (string?)e!["name"] == "Agent__Token")!;
        Assert.Equal("my-token", (string?)token["valueFrom"]!["secretKeyRef"]!["name"]);
    }

    [Fact]
    public async Task Collector_RBAC_is_read_only_pods_and_its_events()
    {
        var chart = await Helm.TemplateAsync();
        var rules = chart.Single("ClusterRole", "-collector")["rules"]!.AsArray();

        Assert.Equal(
            ["/pods:list,watch", "/events:create,patch"],
            rules.Select(r => $"{string.Join(',', Strings(r!["apiGroups"]))}/{string.Join(',', Strings(r["resources"]))}:{string.Join(',', Strings(r["verbs"]))}"));
    }

    [Fact]
    public void Chart_CRDs_are_byte_identical_to_config_crd_bases()
    {
        var source = Path.Combine(RepositoryFiles.Root, "config", "crd", "bases");
        var copy = Path.Combine(Helm.Chart, "crds");
        var sourceFiles = Directory.GetFiles(source, "*.yaml").Select(Path.GetFileName).Order().ToArray();

        Assert.NotEmpty(sourceFiles);
        Assert.Equal(sourceFiles, Directory.GetFiles(copy, "*.yaml").Select(Path.GetFileName).Order().ToArray());
        foreach (var file in sourceFiles)
        {
            Assert.True(
                File.ReadAllBytes(Path.Combine(source, file!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(copy, file!))),
                $"charts/flamewatch/crds/{file} differs from config/crd/bases/{file}: copy it again (make verify-manifests)");
        }
    }

    [Fact]
    public async Task Operator_ClusterRole_grants_exactly_what_config_rbac_grants()
    {
        var chart = await Helm.TemplateAsync();
        var config = RenderedChart.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryFiles.Root, "config", "rbac", "role.yaml")));

        Assert.Equal(
            Rules(config.Single("ClusterRole", "flamewatch-operator")),
            Rules(chart.Single("ClusterRole", "-operator")));
    }

    [Fact]
    public async Task Agent_mounts_no_service_account_token()
    {
        var chart = await Helm.TemplateAsync();

        Assert.False((bool?)RenderedChart.PodSpec(chart.Single("Deployment", "-agent"))["automountServiceAccountToken"]);
        Assert.DoesNotContain(chart.OfKind("ClusterRoleBinding"), b => ((string?)b["metadata"]!["name"])!.EndsWith("-agent", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("operator.replicas=0", "/operator/replicas")]
    [InlineData("agent.protocol=zipkin", "/agent/protocol")]
    [InlineData("agent.bogus=1", "bogus")]
    [InlineData("collector.port=70000", "/collector/port")]
    [InlineData("agent.retention.maxAgeDays=0", "/agent/retention/maxAgeDays")]
    [InlineData("agent.enabled=false", "agent.url is required")]
    [InlineData("agent.token.enabled=true", "agent.token.value")]
    [InlineData("operator.webhook.certificates=vault", "/operator/webhook/certificates")]
    [InlineData("operator.webhook.timeoutSeconds=31", "/operator/webhook/timeoutSeconds")]
    public async Task Bad_values_fail_at_install_naming_the_key(string value, string expected)
    {
        var result = await Helm.RunAsync(Helm.TemplateArguments([value]));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(expected, result.StdErr, StringComparison.Ordinal);
    }

    private static string[] Rules(JsonObject role) =>
    [
        .. role["rules"]!.AsArray().SelectMany(r =>
            from g in Strings(r!["apiGroups"])
            from res in Strings(r["resources"])
            from v in Strings(r["verbs"])
            select $"{g}/{res}:{v}").Order(),
    ];

    private static string[] Strings(JsonNode? array) =>
        array is null ? [] : [.. array.AsArray().Select(n => (string)n!)];
}
