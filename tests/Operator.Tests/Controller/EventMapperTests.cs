using Flamewatch.Contracts;
using Flamewatch.Contracts.Api.V1Alpha1;
using Flamewatch.Kubernetes;
using Flamewatch.Operator.Controller;
using k8s.Models;

namespace Flamewatch.Operator.Tests.Controller;

public sealed class EventMapperTests
{
    private static readonly V1Alpha1ContinuousProfile Checkout = Profile("checkout", "checkout");
    private static readonly V1Alpha1ContinuousProfile Cart = Profile("cart", "cart");

    private static V1Alpha1ContinuousProfile Profile(string name, string app, long generation = 1) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "shop", Generation = generation },
        Spec = new V1Alpha1ContinuousProfileSpec { Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = app } } },
    };

    private static V1Pod Pod(string app, Dictionary<string, string>? annotations = null, string? phase = "Running") => new()
    {
        Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "shop", Labels = new Dictionary<string, string> { ["app"] = app }, Annotations = annotations },
        Status = new V1PodStatus { Phase = phase },
    };

    [Fact]
    public void A_relabelled_pod_enqueues_the_profiles_matching_before_and_after()
    {
        var keys = EventMapper.ForPod(Pod("checkout"), Pod("cart"), [Checkout, Cart]);

        Assert.Equal([new ObjectKey("shop", "cart"), new ObjectKey("shop", "checkout")], keys.OrderBy(k => k.Name));
    }

    [Fact]
    public void A_pod_naming_a_profile_in_managed_by_enqueues_it_even_when_no_selector_matches()
    {
        var pod = Pod("legacy", new() { [FlamewatchAnnotations.ManagedBy] = "deleted-profile" });

        Assert.Equal([new ObjectKey("shop", "deleted-profile")], EventMapper.ForPod(null, pod, [Checkout, Cart]));
    }

    [Fact]
    public void Pod_status_churn_that_the_planner_does_not_read_enqueues_nothing()
    {
        var before = Pod("checkout");
        var after = Pod("checkout");
        after.Status!.PodIP = "10.0.0.7";

        Assert.Empty(EventMapper.ForPod(before, after, [Checkout]));
        Assert.NotEmpty(EventMapper.ForPod(before, Pod("checkout", phase: "Succeeded"), [Checkout]));
        Assert.NotEmpty(EventMapper.ForPod(before, Pod("checkout", new() { [FlamewatchAnnotations.Enabled] = "true" }), [Checkout]));
    }

    [Fact]
    public void Status_only_updates_of_a_profile_enqueue_nothing_but_spec_changes_enqueue_the_namespace()
    {
        var withStatus = Profile("checkout", "checkout");
        withStatus.Status = new V1Alpha1ContinuousProfileStatus { MatchedPods = 3 };

        Assert.Empty(EventMapper.ForProfile(Checkout, withStatus, [Checkout, Cart]));
        Assert.Equal(
            [new ObjectKey("shop", "cart"), new ObjectKey("shop", "checkout")],
            EventMapper.ForProfile(Checkout, Profile("checkout", "other", generation: 2), [Checkout, Cart]).OrderBy(k => k.Name));
    }
}
