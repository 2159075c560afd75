using System.Diagnostics;
using System.Text;
using Flamewatch.Tests.Shared;

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

        using var op = StartOperator(server);
        try
        {
            await KubectlAsync(server, ct, "apply", "-f", RepositoryFiles.PathOf("config/samples/flamewatch.io_v1alpha1_continuousprofile.yaml"));
            await EventuallyAsync(server, ct, "checkout-1 is annotated", ["get", "pod", "checkout-1", "-o", @"jsonpath={.metadata.annotations.flamewatch\.io/managed-by}"], output => output == "checkout");
            var labels = await KubectlAsync(server, ct, "get", "pod", "checkout-1", "-o", @"jsonpath={.metadata.annotations.flamewatch\.io/labels}");
            Assert.Equal("""{"environment":"staging","team":"payments"}""", labels.Output);
            Assert.Equal(string.Empty, (await KubectlAsync(server, ct, "get", "pod", "cart-1", "-o", @"jsonpath={.metadata.annotations.flamewatch\.io/enabled}")).Output);

            // The short name resolves, and the printer columns' JSONPaths (read from the CRD, evaluated by kubectl
            // itself) show the profile Ready with one matched pod. (The test server does not render server-side
            // Table output, so the columns are applied client-side with -o custom-columns.)
            await EventuallyAsync(server, ct, "the printer columns show the profile Ready with 1 matched pod", ["get", "cprof", "checkout", "-o", $"custom-columns={PrinterColumns()}"], output =>
                System.Text.RegularExpressions.Regex.IsMatch(output, @"^APPLICATION\s+MATCHED\s+PERIOD\s+READY\s+AGE\s*\ncheckout\s+1\s+45s\s+True\s+\S+", System.Text.RegularExpressions.RegexOptions.Multiline));

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
        }
        finally
        {
            op.Kill(entireProcessTree: true);
            await op.WaitForExitAsync(CancellationToken.None);
        }
    }

    /// <summary>The CRD's additionalPrinterColumns as a kubectl custom-columns spec.</summary>
    private static string PrinterColumns()
    {
        var crd = System.Text.Json.Nodes.JsonNode.Parse(YamlJson.FileToJson(RepositoryFiles.PathOf("config/crd/bases/flamewatch.io_continuousprofiles.yaml")))!;
        var columns = crd["spec"]!["versions"]![0]!["additionalPrinterColumns"]!.AsArray();
        return string.Join(',', columns.Select(c => $"{c!["name"]!.GetValue<string>().ToUpperInvariant()}:{c["jsonPath"]!.GetValue<string>()}"));
    }

    private static Process StartOperator(TestKit.TestApiServer server)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "flamewatch-operator.dll"), "--urls", "http://127.0.0.1:0", "--leader-elect", "false" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["KUBECONFIG"] = server.KubeconfigPath;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

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
