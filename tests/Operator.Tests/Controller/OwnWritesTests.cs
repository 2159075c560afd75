using Flamewatch.Contracts;
using Flamewatch.Contracts.Api.V1Alpha1;
using Flamewatch.Operator.Controller;
using k8s.Models;

namespace Flamewatch.Operator.Tests.Controller;

public sealed class OwnWritesTests
{
    private static readonly Dictionary<string, string?> Select = new() { [FlamewatchAnnotations.Enabled] = "true", [FlamewatchAnnotations.ManagedBy] = "checkout" };

    private static V1Pod Pod(string resourceVersion, string name = "p", string app = "checkout", Dictionary<string, string>? annotations = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "shop", ResourceVersion = resourceVersion, Labels = new Dictionary<string, string> { ["app"] = app }, Annotations = annotations },
    };

    private static Dictionary<string, string> Annotated() => new() { [FlamewatchAnnotations.Enabled] = "true", [FlamewatchAnnotations.ManagedBy] = "checkout" };

    [Fact]
    public void The_echo_of_an_own_pod_patch_is_recognised_once_even_before_its_response()
    {
        var writes = new OwnWrites();
        writes.ExpectPodPatch("shop", "p", "41", Select);

        Assert.True(writes.IsEcho(Pod("41"), Pod("42", annotations: Annotated())));
        Assert.False(writes.IsEcho(Pod("42", annotations: Annotated()), Pod("43", annotations: Annotated())));
    }

    [Fact]
    public void A_pod_change_beyond_the_own_patch_is_not_an_echo()
    {
        var relabelled = new OwnWrites();
        relabelled.ExpectPodPatch("shop", "p", "41", Select);
        Assert.False(relabelled.IsEcho(Pod("41"), Pod("42", app: "cart", annotations: Annotated())));

        var otherWriter = new OwnWrites();
        otherWriter.ExpectPodPatch("shop", "p", "41", Select);
        Assert.False(otherWriter.IsEcho(Pod("41"), Pod("42", annotations: new() { ["team"] = "payments" })));

        var fromAnotherVersion = new OwnWrites();
        fromAnotherVersion.ExpectPodPatch("shop", "p", "40", Select);
        Assert.False(fromAnotherVersion.IsEcho(Pod("41"), Pod("42", annotations: Annotated())));
    }

    [Fact]
    public void The_echo_of_an_own_finalizer_patch_is_recognised_but_not_a_spec_change()
    {
        var writes = new OwnWrites();
        writes.ExpectFinalizersPatch("shop", "checkout", "7", ["flamewatch.io/finalizer"]);
        Assert.True(writes.IsEcho(Profile("7", 1), Profile("8", 1, "flamewatch.io/finalizer")));

        writes.ExpectFinalizersPatch("shop", "checkout", "8", ["flamewatch.io/finalizer"]);
        Assert.False(writes.IsEcho(Profile("8", 1), Profile("9", 2, "flamewatch.io/finalizer")));
    }

    [Fact]
    public void Only_the_patched_object_is_concerned_and_a_delete_is_never_an_echo()
    {
        var writes = new OwnWrites();
        writes.ExpectPodPatch("shop", "p", "41", Select);

        Assert.False(writes.IsEcho(Pod("41", "q"), Pod("42", "q", annotations: Annotated())));
        Assert.False(writes.IsEcho(Profile("41", 1), Profile("42", 1)));
        Assert.False(writes.IsEcho(Pod("41"), null));
        Assert.False(writes.IsEcho(Pod("41"), Pod("42", annotations: Annotated())));
    }

    private static V1Alpha1ContinuousProfile Profile(string resourceVersion, long generation, params string[] finalizers) => new()
    {
        Metadata = new V1ObjectMeta { Name = "checkout", NamespaceProperty = "shop", ResourceVersion = resourceVersion, Generation = generation, Finalizers = [.. finalizers] },
    };
}
