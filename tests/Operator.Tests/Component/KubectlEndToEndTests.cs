using System.Diagnostics;
using System.Text;
using Flamewatch.TestKit;
using Flamewatch.TestKit.Processes;
using Flamewatch.TestKit.Rbac;
using Flamewatch.TestKit.Webhooks;

namespace Flamewatch.Operator.Tests.Component;

/// <summary>
/// The user's path, end to end with real tools: the real kubectl (tools/bin, from `make deps`) installs the CRD
/// and drives pods and ContinuousProfiles; the real flamewatch-operator executable runs as its own process with
/// KUBECONFIG, exactly as `KUBECONFIG=.dev/kubeconfig dotnet run --project src/Operator` would.
/// </summary>
public sealed class KubectlEndToEndTests
{
    private static readonly string Kubectl = RepositoryFiles.PathOf("tools/bin/kubectl");

    [Fact]
    public async Task Kubectl_apply_profiles_pods_and_deletes_them_with_the_operator_process_running()
    {
        Assert.True(File.Exists(Kubectl), "tools/bin/kubectl is missing: run `make deps` first");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        var ct = cts.Token;
        await using var server = await TestKit.TestApiServer.StartAsync(cancellationToken: ct);

        var crd = await KubectlAsync(server, ct, "apply", "-f", RepositoryFiles.PathOf("config/crd/bases/"));
        Assert.Contains("continuousprofiles.flamewatch.io created", crd.Output, StringComparison.Ordinal);
        await KubectlAsync(server, ct, "run", "checkout-1", "--image=example/checkout:1", "--labels=app=checkout");
        await KubectlAsync(server, ct, "run", "cart-1", "--image=example/cart:1", "--labels=app=cart");

        // The pod admission webhook as a cluster reaches it: through its Service (routed to the process) with the CA
        // bundle the operator's leader writes into the configuration.
        var webhookPort = Loopback.FreePort();
        server.RouteService("default", "flamewatch-webhook", 443, new Uri($"https://127.0.0.1:{webhookPort}/"));
        using var op = StartOperator(server, webhookPort);
        try
        {
            var webhookFile = Path.Combine(Path.GetTempPath(), $"webhook-{Guid.NewGuid():N}.yaml");
            await File.WriteAllTextAsync(webhookFile, WebhookConfiguration, ct);
            await KubectlAsync(server, ct, "apply", "-f", webhookFile);
            File.Delete(webhookFile);
            await EventuallyAsync(server, ct, "the operator writes the CA bundle", ["get", "mutatingwebhookconfiguration", "flamewatch-operator", "-o", "jsonpath={.webhooks[0].clientConfig.caBundle}"], output => output.Length > 0);
            await KubectlAsync(server, ct, "apply", "-f", RepositoryFiles.PathOf("config/samples/flamewatch.io_v1alpha1_continuousprofile.yaml"));
            await EventuallyAsync(server, ct, "checkout-1 is annotated", ["get", "pod", "checkout-1", "-o", @"jsonpath={.metadata.annotations.flamewatch\.io/managed-by}"], output => output == "checkout");

            // A pod created now starts with the sampling rate of the profile (100 Hz: "A"); the one created before does not.
            await KubectlAsync(server, ct, "run", "checkout-2", "--image=example/checkout:1", "--labels=app=checkout");
            var injected = await KubectlAsync(server, ct, "get", "pod", "checkout-2", "-o", "jsonpath={.spec.containers[0].env[?(@.name==\"DOTNET_EventPipeThreadSamplingRate\")].value}");
            Assert.Equal("A", injected.Output);
            var before = await KubectlAsync(server, ct, "get", "pod", "checkout-1", "-o", "jsonpath={.spec.containers[0].env}");
            Assert.DoesNotContain("DOTNET_EventPipeThreadSamplingRate", before.Output, StringComparison.Ordinal);
            var labels = await KubectlAsync(server, ct, "get", "pod", "checkout-1", "-o", @"jsonpath={.metadata.annotations.flamewatch\.io/labels}");
            Assert.Equal("""{"environment":"staging","team":"payments"}""", labels.Output);
            Assert.Equal(string.Empty, (await KubectlAsync(server, ct, "get", "pod", "cart-1", "-o", @"jsonpath={.metadata.annotations.flamewatch\.io/enabled}")).Output);

            // The short name resolves and `kubectl get` prints the CRD's columns (server-side Table) with the profile
            // Ready and two matched pods (one created before the profile, one after); the same JSONPaths evaluated by kubectl itself agree.
            await EventuallyAsync(server, ct, "kubectl get cprof shows the profile Ready with 2 matched pods", ["get", "cprof", "checkout"], output =>
                System.Text.RegularExpressions.Regex.IsMatch(output, @"^NAME\s+APPLICATION\s+MATCHED\s+PERIOD\s+READY\s+AGE\s*\ncheckout\s+checkout\s+2\s+45s\s+True\s+\S+", System.Text.RegularExpressions.RegexOptions.Multiline));
            var columns = await KubectlAsync(server, ct, "get", "cprof", "checkout", "-o", $"custom-columns={PrinterColumns()}");
            Assert.Matches(@"^APPLICATION\s+MATCHED\s+PERIOD\s+READY\s+AGE\s*\ncheckout\s+2\s+45s\s+True\s+\S+", columns.Output);

            // An invalid profile is rejected at admission, naming the field.
            var invalid = Path.Combine(Path.GetTempPath(), $"invalid-{Guid.NewGuid():N}.yaml");
            await File.WriteAllTextAsync(invalid, "apiVersion: flamewatch.io/v1alpha1\nkind: ContinuousProfile\nmetadata: {name: bad}\nspec:\n  selector: {}\n  period: 45s\n  uploadTimeout: 1m\n", ct);
            var rejected = await KubectlAsync(server, ct, expectSuccess: false, "apply", "-f", invalid);
            File.Delete(invalid);
            Assert.NotEqual(0, rejected.ExitCode);
            Assert.Contains("spec.uploadTimeout", rejected.Error, StringComparison.Ordinal);
            Assert.Contains("uploadTimeout must be shorter than period", rejected.Error, StringComparison.Ordinal);

            // Relabel: the pod loses the operator's annotations.
            await KubectlAsync(server, ct, "label", "pod", "checkout-1", "app=legacy", "--overwrite");
            await EventuallyAsync(server, ct, "checkout-1 is released after relabelling", ["get", "pod", "checkout-1", "-o", @"jsonpath={.metadata.annotations}"], output => !output.Contains("flamewatch.io", StringComparison.Ordinal));

            // Relabel back, then delete the profile: the finalizer holds it until the pod is clean. (--wait=false and
            // polling, because kubectl's wait uses a watch-list stream the test server does not offer.)
            await KubectlAsync(server, ct, "label", "pod", "checkout-1", "app=checkout", "--overwrite");
            await EventuallyAsync(server, ct, "checkout-1 is annotated again", ["get", "pod", "checkout-1", "-o", @"jsonpath={.metadata.annotations.flamewatch\.io/managed-by}"], output => output == "checkout");
            var deleted = await KubectlAsync(server, ct, "delete", "cprof", "checkout", "--wait=false");
            Assert.Contains("deleted", deleted.Output, StringComparison.Ordinal);
            await EventuallyAsync(server, ct, "the profile is gone", ["get", "cprof", "--no-headers"], output => !output.Contains("checkout", StringComparison.Ordinal));
            var annotations = await KubectlAsync(server, ct, "get", "pod", "checkout-1", "-o", @"jsonpath={.metadata.annotations}");
            Assert.DoesNotContain("flamewatch.io", annotations.Output, StringComparison.Ordinal);

            // Everything the operator process asked of the API server is granted by config/rbac, and nothing more
            // is granted than it used.
            var granted = GrantedByRbac();
            var used = RbacRules.Used(server.Requests, "flamewatch/");
            Assert.Empty(used.Except(granted));
            Assert.Empty(granted.Except(used));

            // The same holds for what the Helm chart grants the operator's ServiceAccount.
            var chart = RbacRules.GrantedToWorkload(await RbacRules.RenderChartAsync(ct), "Deployment", "-operator");
            Assert.Empty(used.Except(chart));
            Assert.Empty(chart.Except(used));
        }
        finally
        {
            op.Kill();
            if (Directory.Exists(server.KubeconfigPath + ".kube-cache"))
            {
                Directory.Delete(server.KubeconfigPath + ".kube-cache", recursive: true);
            }
        }
    }

    /// <summary>(resource, verb) pairs the operator's Role and ClusterRole in config/rbac grant.</summary>
    private static HashSet<(string Resource, string Verb)> GrantedByRbac() =>
        RbacRules.Grants(new[] { "config/rbac/role.yaml", "config/rbac/leader_election_role.yaml", "config/rbac/webhook_secret_role.yaml" }
            .Select(file => TestKit.YamlJson.ParseDocuments(File.ReadAllText(RepositoryFiles.PathOf(file)))[0]));

    /// <summary>The CRD's additionalPrinterColumns as a kubectl custom-columns spec.</summary>
    private static string PrinterColumns()
    {
        var crd = TestKit.YamlJson.ParseDocuments(File.ReadAllText(RepositoryFiles.PathOf("config/crd/bases/flamewatch.io_continuousprofiles.yaml")))[0];
        var columns = crd["spec"]!["versions"]![0]!["additionalPrinterColumns"]!.AsArray();
        return string.Join(',', columns.Select(c => $"{c!["name"]!.GetValue<string>().ToUpperInvariant()}:{c["jsonPath"]!.GetValue<string>()}"));
    }

    /// <summary>As config/rbac names things: Service flamewatch-webhook, configuration flamewatch-operator.</summary>
    private static readonly string WebhookConfiguration = PodWebhookConfiguration.ForService("default", "flamewatch-webhook", ownNamespace: "flamewatch-system");


    private static ChildProcess StartOperator(TestKit.TestApiServer server, int webhookPort) =>
        ChildProcess.Start("flamewatch-operator.dll",
            [
                "--urls", "http://127.0.0.1:0", "--lease-namespace", "default", "Operator:LeaseDuration=00:00:03", "Operator:RenewDeadline=00:00:02", "Operator:RetryPeriod=00:00:00.250",
                "--webhook", "true", "--webhook-port", webhookPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--Webhook:ListenAddress=127.0.0.1", "--Webhook:RefreshInterval=00:00:01",
            ],
            new Dictionary<string, string> { ["KUBECONFIG"] = server.KubeconfigPath, ["Logging__LogLevel__Default"] = "Warning" });

    private static async Task EventuallyAsync(TestKit.TestApiServer server, CancellationToken cancellationToken, string what, string[] args, Func<string, bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        var last = string.Empty;
        while (deadline.Elapsed < TimeSpan.FromSeconds(40))
        {
            var result = await KubectlAsync(server, cancellationToken, expectSuccess: false, args);
            last = result.Output + result.Error;
            if (result.ExitCode == 0 && condition(result.Output))
            {
                return;
            }

            await Task.Delay(200, cancellationToken);
        }

        Assert.Fail($"Timed out waiting until {what}; kubectl {string.Join(' ', args)} last printed:\n{last}");
    }

    private static Task<(int ExitCode, string Output, string Error)> KubectlAsync(TestKit.TestApiServer server, CancellationToken cancellationToken, params string[] args) =>
        KubectlAsync(server, cancellationToken, expectSuccess: true, args);

    private static async Task<(int ExitCode, string Output, string Error)> KubectlAsync(TestKit.TestApiServer server, CancellationToken cancellationToken, bool expectSuccess, params string[] args)
    {
        var start = new ProcessStartInfo(Kubectl) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(server.KubeconfigPath);
        start.ArgumentList.Add("--cache-dir");
        start.ArgumentList.Add(server.KubeconfigPath + ".kube-cache");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var result = (process.ExitCode, (await output).Trim(), (await error).Trim());
        if (expectSuccess && result.ExitCode != 0)
        {
            Assert.Fail($"kubectl {string.Join(' ', args)} failed ({result.ExitCode}):\n{result.Item3}\n{result.Item2}");
        }

        return result;
    }
}
