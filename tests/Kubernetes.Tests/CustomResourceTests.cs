using System.Text.Json.Nodes;
using Flamewatch.Kubernetes.Informers;
using Flamewatch.TestKit;
using Xunit;

namespace Flamewatch.Kubernetes.Tests;

/// <summary>The test API server's CRDs: structural schemas with defaults and pruning, CEL rules, the status subresource, generations, finalizers.</summary>
public sealed class CustomResourceTests : ServerTestBase
{
    internal static readonly string CrdPath = Path.Combine(AppContext.BaseDirectory, "testdata", "testprofiles.fixtures.flamewatch.io.yaml");

    private const string CrdName = "testprofiles.fixtures.flamewatch.io";

    private static readonly string Profiles = RawApiClient.PathOf(TestProfile.Group, TestProfile.Version, TestProfile.Plural, "default");

    private static readonly string Crds = RawApiClient.PathOf("apiextensions.k8s.io", "v1", "customresourcedefinitions");

    private RawApiClient? _raw;

    private RawApiClient Raw => _raw ??= Server.CreateRawClient();

    private static string ProfilePath(string name, string? subresource = null) =>
        RawApiClient.PathOf(TestProfile.Group, TestProfile.Version, TestProfile.Plural, "default", name, subresource);

    private async Task InstallCrdAsync() => await Server.CreateFromYamlAsync(await File.ReadAllTextAsync(CrdPath, Timeout), Timeout);

    private static JsonObject Profile(string name, string specJson) => JsonNode.Parse(
        $$"""{"apiVersion":"fixtures.flamewatch.io/v1alpha1","kind":"TestProfile","metadata":{"name":"{{name}}","namespace":"default"},"spec":{{specJson}}}""")!.AsObject();

    private Task<JsonObject> CreateAsync(JsonObject profile) => Raw.CreateAsync(Profiles, profile, Timeout);

    [Fact]
    public async Task Crd_applied_through_the_api_serves_the_kind_with_defaults_and_established_status()
    {
        await Assert.ThrowsAsync<RawApiException>(() => Raw.GetAsync(Profiles, Timeout));
        await InstallCrdAsync();
        var crd = await Raw.GetAsync($"{Crds}/{CrdName}", Timeout);
        Assert.Contains(crd["status"]!["conditions"]!.AsArray(), c => c!["type"]!.GetValue<string>() == "Established" && c["status"]!.GetValue<string>() == "True");

        var created = await CreateAsync(Profile("web", """{"selector":{"matchLabels":{"app":"web"}},"unknownField":1}"""));
        var spec = created["spec"]!;
        Assert.Equal("45s", spec["period"]!.GetValue<string>());
        Assert.Equal("10s", spec["uploadTimeout"]!.GetValue<string>());
        Assert.Equal(100, spec["samplingFrequency"]!.GetValue<long>());
        Assert.Equal(5, spec["profileTypes"]!.AsArray().Count);
        Assert.False(spec["suspend"]!.GetValue<bool>());
        Assert.Null(spec["unknownField"]); // pruned
        Assert.Equal(1, created["metadata"]!["generation"]!.GetValue<long>());
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
        var error = await Assert.ThrowsAsync<RawApiException>(() => CreateAsync(Profile("bad", spec)));
        Assert.Equal(422, error.Code);
        Assert.Equal("Invalid", error.Reason);
        Assert.StartsWith("TestProfile.fixtures.flamewatch.io \"bad\" is invalid: ", error.StatusMessage, StringComparison.Ordinal);
        Assert.Contains(expected, error.StatusMessage, StringComparison.Ordinal);
        Assert.NotEmpty(error.Causes);
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

        var error = await Assert.ThrowsAsync<RawApiException>(() => CreateAsync(Profile("bad", $$"""{"selector":{},"labels":{{labels.ToJsonString()}}}""")));
        Assert.Contains("spec.labels: Too many: 33: must have at most 32 items", error.StatusMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_subresource_and_generation_rules()
    {
        await InstallCrdAsync();
        var created = await CreateAsync(Profile("web", """{"selector":{}}"""));

        // Status on the main resource is ignored; metadata changes keep the generation.
        created["status"] = JsonNode.Parse("""{"matchedPods":7}""");
        created["metadata"]!["labels"] = new JsonObject { ["team"] = "a" };
        var updated = await Raw.ReplaceAsync(ProfilePath("web"), created, Timeout);
        Assert.Null(updated["status"]);
        Assert.Equal(1, updated["metadata"]!["generation"]!.GetValue<long>());

        // /status changes only status, never spec or labels.
        updated["status"] = JsonNode.Parse("""{"matchedPods":3,"observedGeneration":1}""");
        updated["spec"]!["period"] = "1m";
        updated["metadata"]!["labels"] = new JsonObject { ["team"] = "b" };
        var status = await Raw.ReplaceAsync(ProfilePath("web", "status"), updated, Timeout);
        Assert.Equal(3, status["status"]!["matchedPods"]!.GetValue<long>());
        Assert.Equal("45s", status["spec"]!["period"]!.GetValue<string>());
        Assert.Equal("a", status["metadata"]!["labels"]!["team"]!.GetValue<string>());
        Assert.Equal(1, status["metadata"]!["generation"]!.GetValue<long>());

        // A spec change bumps the generation.
        var patched = await Raw.PatchAsync(ProfilePath("web"), JsonNode.Parse("""{"spec":{"period":"2m"}}""")!, cancellationToken: Timeout);
        Assert.Equal(2, patched["metadata"]!["generation"]!.GetValue<long>());

        // Invalid status is rejected too.
        var badStatus = await Assert.ThrowsAsync<RawApiException>(() => Raw.PatchAsync(ProfilePath("web", "status"), JsonNode.Parse("""{"status":{"matchedPods":-1}}""")!, cancellationToken: Timeout));
        Assert.Contains("status.matchedPods", badStatus.StatusMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_without_resource_version_and_strategic_merge_patch_are_refused_for_custom_resources()
    {
        await InstallCrdAsync();
        var created = await CreateAsync(Profile("web", """{"selector":{}}"""));
        created["metadata"]!.AsObject().Remove("resourceVersion");
        var noRv = await Assert.ThrowsAsync<RawApiException>(() => Raw.ReplaceAsync(ProfilePath("web"), created, Timeout));
        Assert.Contains("metadata.resourceVersion: Invalid value: 0x0: must be specified for an update", noRv.StatusMessage, StringComparison.Ordinal);

        var smp = await Assert.ThrowsAsync<RawApiException>(() => Raw.PatchAsync(ProfilePath("web"), JsonNode.Parse("""{"spec":{"period":"1m"}}""")!, RawApiClient.StrategicMergePatch, Timeout));
        Assert.Equal(415, smp.Code);
    }

    [Fact]
    public async Task Finalizers_make_delete_two_phase()
    {
        await InstallCrdAsync();
        var informer = new Informer<TestProfile>(ListWatch.CustomObjects<TestProfile, TestProfileList>(Client, TestProfile.Group, TestProfile.Version, TestProfile.Plural));
        var events = new List<string>();
        informer.AddHandler(new ResourceEventHandler<TestProfile>(
            o => events.Add("add"),
            (_, n) => events.Add(n.Metadata.DeletionTimestamp is null ? "update" : "update-deleting"),
            o => events.Add("delete")));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Timeout);
        var run = informer.RunAsync(stop.Token);
        await informer.WaitForSyncAsync(Timeout);

        var p = Profile("web", """{"selector":{}}""");
        p["metadata"]!["finalizers"] = new JsonArray("flamewatch.io/pod-annotations");
        await CreateAsync(p);
        var deleting = await Raw.DeleteAsync(ProfilePath("web"), Timeout);
        Assert.NotNull(deleting["metadata"]!["deletionTimestamp"]);
        Assert.NotNull(await Raw.TryGetAsync(ProfilePath("web"), Timeout));

        var addFinalizer = await Assert.ThrowsAsync<RawApiException>(() => Raw.PatchAsync(
            ProfilePath("web"), JsonNode.Parse("""{"metadata":{"finalizers":["flamewatch.io/pod-annotations","other.io/x"]}}""")!, cancellationToken: Timeout));
        Assert.Contains("no new finalizers can be added if the object is being deleted", addFinalizer.StatusMessage, StringComparison.Ordinal);

        await Raw.PatchAsync(ProfilePath("web"), JsonNode.Parse("""{"metadata":{"finalizers":null}}""")!, cancellationToken: Timeout);
        Assert.Null(await Raw.TryGetAsync(ProfilePath("web"), Timeout));
        await EventuallyAsync(() => events.Contains("delete"), "deleted seen");
        Assert.Equal(["add", "update-deleting", "delete"], events);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Crd_with_a_rule_outside_the_supported_cel_subset_is_rejected_at_write()
    {
        var yaml = (await File.ReadAllTextAsync(CrdPath, Timeout)).Replace("duration(self.uploadTimeout) < duration(self.period)", "self.uploadTimeout < oldSelf.uploadTimeout", StringComparison.Ordinal);
        var error = await Assert.ThrowsAsync<RawApiException>(() => Server.CreateFromYamlAsync(yaml, Timeout));
        Assert.Equal(422, error.Code);
        Assert.Contains("x-kubernetes-validations[0].rule", error.StatusMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_the_crd_removes_its_objects_and_the_api()
    {
        await InstallCrdAsync();
        await CreateAsync(Profile("web", """{"selector":{}}"""));
        await Raw.DeleteAsync($"{Crds}/{CrdName}", Timeout);
        var gone = await Assert.ThrowsAsync<RawApiException>(() => Raw.GetAsync(Profiles, Timeout));
        Assert.Equal(404, gone.Code);
        Assert.Empty(Server.Objects(TestProfile.Group, TestProfile.Plural));
    }

    public override async Task DisposeAsync()
    {
        _raw?.Dispose();
        await base.DisposeAsync();
    }
}
