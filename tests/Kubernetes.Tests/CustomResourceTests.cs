using System.Text.Json.Nodes;
using Flamewatch.Kubernetes.Informers;
using Flamewatch.Kubernetes.Json;
using Flamewatch.Kubernetes.Models;
using Flamewatch.Kubernetes.Rest;
using Flamewatch.TestKit;
using Xunit;

namespace Flamewatch.Kubernetes.Tests;

public sealed class CustomResourceTests : ServerTestBase
{
    internal static readonly string CrdPath = Path.Combine(AppContext.BaseDirectory, "testdata", "testprofiles.fixtures.flamewatch.io.yaml");

    private static readonly ResourceType TestProfiles = new("fixtures.flamewatch.io", "v1alpha1", "testprofiles", "TestProfile", true);

    private IResourceClient<GenericObject> Profiles => Api.Resource<GenericObject>(TestProfiles);

    private async Task InstallCrdAsync() => await Server.CreateFromYamlAsync(await File.ReadAllTextAsync(CrdPath, Timeout), Timeout);

    private static GenericObject Profile(string name, string specJson) => KubeJson.Deserialize<GenericObject>(
        $$"""{"apiVersion":"fixtures.flamewatch.io/v1alpha1","kind":"TestProfile","metadata":{"name":"{{name}}","namespace":"default"},"spec":{{specJson}}}""");

    [Fact]
    public async Task Crd_applied_through_the_api_serves_the_kind_with_defaults_and_established_status()
    {
        await Assert.ThrowsAsync<KubeApiException>(() => Profiles.ListAsync("default", cancellationToken: Timeout));
        await InstallCrdAsync();
        var crd = await Api.Resource<GenericObject>(ResourceType.CustomResourceDefinitions).GetAsync(null, "testprofiles.fixtures.flamewatch.io", Timeout);
        Assert.Contains(crd["status"]!["conditions"]!.AsArray(), c => c!["type"]!.GetValue<string>() == "Established" && c["status"]!.GetValue<string>() == "True");

        var created = await Profiles.CreateAsync(Profile("web", """{"selector":{"matchLabels":{"app":"web"}},"unknownField":1}"""), Timeout);
        var spec = created["spec"]!;
        Assert.Equal("45s", spec["period"]!.GetValue<string>());
        Assert.Equal("10s", spec["uploadTimeout"]!.GetValue<string>());
        Assert.Equal(100, spec["samplingFrequency"]!.GetValue<long>());
        Assert.Equal(5, spec["profileTypes"]!.AsArray().Count);
        Assert.False(spec["suspend"]!.GetValue<bool>());
        Assert.Null(spec["unknownField"]); // pruned
        Assert.Equal(1, created.Metadata.Generation);
    }

    [Theory]
    [InlineData("""{"selector":{},"period":"5m","uploadTimeout":"6m"}""", "spec: Invalid value: \"object\": uploadTimeout must be shorter than period")]
    [InlineData("""{"selector":{},"period":"20m","uploadTimeout":"1s"}""", "period must be between 10s and 10m")]
    [InlineData("""{"selector":{},"period":"soon"}""", "spec.period: Invalid value: \"soon\": spec.period in body should match")]
    [InlineData("""{"selector":{},"samplingFrequency":5000}""", "spec.samplingFrequency: Invalid value: 5000: spec.samplingFrequency in body should be less than or equal to 1000")]
    [InlineData("""{"selector":{},"samplingFrequency":"fast"}""", "spec.samplingFrequency: Invalid value: \"string\": spec.samplingFrequency in body must be of type integer")]
    [InlineData("""{"selector":{},"profileTypes":["cpu","gpu"]}""", "spec.profileTypes[1]: Unsupported value: \"gpu\": supported values: \"cpu\", \"wall\"")]
    [InlineData("""{"period":"45s"}""", "spec.selector: Required value")]
    [InlineData("""{"selector":{},"applicationName":""}""", "spec.applicationName: Invalid value: \"\": spec.applicationName in body should be at least 1 chars long")]
    [InlineData("""{"selector":{"matchExpressions":[{"key":"a","operator":"Maybe"}]}}""", "spec.selector.matchExpressions[0].operator: Unsupported value: \"Maybe\"")]
    public async Task Invalid_custom_resources_are_rejected_with_the_field_named(string spec, string expected)
    {
        await InstallCrdAsync();
        var error = await Assert.ThrowsAsync<KubeApiException>(() => Profiles.CreateAsync(Profile("bad", spec), Timeout));
        Assert.Equal(422, error.Status.Code);
        Assert.Equal("Invalid", error.Reason);
        Assert.StartsWith("TestProfile.fixtures.flamewatch.io \"bad\" is invalid: ", error.Status.Message);
        Assert.Contains(expected, error.Status.Message);
        Assert.NotEmpty(error.Status.Details!.Causes!);
    }

    [Fact]
    public async Task Too_many_labels_are_rejected()
    {
        await InstallCrdAsync();
        var labels = new JsonObject();
        for (var i = 0; i < 33; i++)
        {
            labels[$"k{i}"] = "v";
        }

        var error = await Assert.ThrowsAsync<KubeApiException>(() => Profiles.CreateAsync(Profile("bad", $$"""{"selector":{},"labels":{{labels.ToJsonString()}}}"""), Timeout));
        Assert.Contains("spec.labels: Too many: 33: must have at most 32 items", error.Status.Message);
    }

    [Fact]
    public async Task Status_subresource_and_generation_rules()
    {
        await InstallCrdAsync();
        var created = await Profiles.CreateAsync(Profile("web", """{"selector":{}}"""), Timeout);

        // Status on the main resource is ignored; metadata changes keep the generation.
        created["status"] = JsonNode.Parse("""{"matchedPods":7}""");
        created.Metadata.Labels = new() { ["team"] = "a" };
        var updated = await Profiles.UpdateAsync(created, Timeout);
        Assert.Null(updated["status"]);
        Assert.Equal(1, updated.Metadata.Generation);

        // /status changes only status, never spec or labels.
        updated["status"] = JsonNode.Parse("""{"matchedPods":3,"observedGeneration":1}""");
        updated["spec"]!["period"] = "1m";
        updated.Metadata.Labels = new() { ["team"] = "b" };
        var status = await Profiles.UpdateStatusAsync(updated, Timeout);
        Assert.Equal(3, status["status"]!["matchedPods"]!.GetValue<long>());
        Assert.Equal("45s", status["spec"]!["period"]!.GetValue<string>());
        Assert.Equal("a", status.Metadata.Labels!["team"]);
        Assert.Equal(1, status.Metadata.Generation);

        // A spec change bumps the generation.
        var patched = await Profiles.PatchAsync("default", "web", KubePatch.Merge(JsonNode.Parse("""{"spec":{"period":"2m"}}""")!), Timeout);
        Assert.Equal(2, patched.Metadata.Generation);

        // Invalid status is rejected too.
        var badStatus = await Assert.ThrowsAsync<KubeApiException>(() => Profiles.PatchStatusAsync("default", "web", KubePatch.Merge(JsonNode.Parse("""{"status":{"matchedPods":-1}}""")!), Timeout));
        Assert.Contains("status.matchedPods", badStatus.Status.Message);
    }

    [Fact]
    public async Task Update_without_resource_version_and_strategic_merge_patch_are_refused_for_custom_resources()
    {
        await InstallCrdAsync();
        var created = await Profiles.CreateAsync(Profile("web", """{"selector":{}}"""), Timeout);
        created.Metadata.ResourceVersion = null;
        var noRv = await Assert.ThrowsAsync<KubeApiException>(() => Profiles.UpdateAsync(created, Timeout));
        Assert.Contains("metadata.resourceVersion: Invalid value: 0x0: must be specified for an update", noRv.Status.Message);

        var smp = await Assert.ThrowsAsync<KubeApiException>(() => Profiles.PatchAsync("default", "web", KubePatch.Strategic(JsonNode.Parse("""{"spec":{"period":"1m"}}""")!), Timeout));
        Assert.Equal(415, smp.Status.Code);
    }

    [Fact]
    public async Task Finalizers_make_delete_two_phase()
    {
        await InstallCrdAsync();
        var informer = new Informer<GenericObject>(Profiles);
        var events = new List<string>();
        informer.AddHandler(new ResourceEventHandler<GenericObject>(
            o => events.Add("add"),
            (_, n) => events.Add(n.Metadata.DeletionTimestamp is null ? "update" : "update-deleting"),
            o => events.Add("delete")));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Timeout);
        var run = informer.RunAsync(stop.Token);
        await informer.WaitForSyncAsync(Timeout);

        var p = Profile("web", """{"selector":{}}""");
        p.Metadata.Finalizers = ["flamewatch.io/pod-annotations"];
        await Profiles.CreateAsync(p, Timeout);
        var deleting = await Profiles.DeleteAsync("default", "web", cancellationToken: Timeout);
        Assert.NotNull(deleting!.Metadata.DeletionTimestamp);
        Assert.NotNull(await Profiles.TryGetAsync("default", "web", Timeout));

        var addFinalizer = await Assert.ThrowsAsync<KubeApiException>(() => Profiles.PatchAsync("default", "web",
            KubePatch.Merge(JsonNode.Parse("""{"metadata":{"finalizers":["flamewatch.io/pod-annotations","other.io/x"]}}""")!), Timeout));
        Assert.Contains("no new finalizers can be added if the object is being deleted", addFinalizer.Status.Message);

        await Profiles.PatchAsync("default", "web", KubePatch.Merge(JsonNode.Parse("""{"metadata":{"finalizers":null}}""")!), Timeout);
        Assert.Null(await Profiles.TryGetAsync("default", "web", Timeout));
        await EventuallyAsync(() => events.Contains("delete"), "deleted seen");
        Assert.Equal(["add", "update-deleting", "delete"], events);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Crd_with_a_rule_outside_the_supported_cel_subset_is_rejected_at_write()
    {
        var yaml = (await File.ReadAllTextAsync(CrdPath, Timeout)).Replace("duration(self.uploadTimeout) < duration(self.period)", "self.uploadTimeout < oldSelf.uploadTimeout", StringComparison.Ordinal);
        var error = await Assert.ThrowsAsync<KubeApiException>(() => Server.CreateFromYamlAsync(yaml, Timeout));
        Assert.Equal(422, error.Status.Code);
        Assert.Contains("x-kubernetes-validations[0].rule", error.Status.Message);
    }

    [Fact]
    public async Task Deleting_the_crd_removes_its_objects_and_the_api()
    {
        await InstallCrdAsync();
        await Profiles.CreateAsync(Profile("web", """{"selector":{}}"""), Timeout);
        await Api.Resource<GenericObject>(ResourceType.CustomResourceDefinitions).DeleteAsync(null, "testprofiles.fixtures.flamewatch.io", cancellationToken: Timeout);
        var gone = await Assert.ThrowsAsync<KubeApiException>(() => Profiles.ListAsync("default", cancellationToken: Timeout));
        Assert.True(gone.IsNotFound);
        Assert.Empty(Server.Objects("fixtures.flamewatch.io", "testprofiles"));
    }
}
