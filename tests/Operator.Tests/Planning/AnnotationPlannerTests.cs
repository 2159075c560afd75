using System.Text.Json.Nodes;
using Flamewatch.Operator.Planning;

namespace Flamewatch.Operator.Tests.Planning;

/// <summary>
/// Golden cases for the pure planner. To add one, create <c>testdata/reconcile/&lt;case&gt;/input.yaml</c>, run
/// with <c>FLAMEWATCH_UPDATE_GOLDENS=1</c> to write <c>expected.json</c>, and review the result before committing.
/// </summary>
public sealed class AnnotationPlannerTests
{
    public static TheoryData<string> Cases => new(PlannerFixture.CaseNames());

    [Theory]
    [MemberData(nameof(Cases))]
    public void Plans_the_expected_writes(string caseName)
    {
        var fixture = PlannerFixture.Load(caseName);

        var plan = AnnotationPlanner.Plan(fixture.Profile, fixture.Pods, fixture.OtherProfiles, fixture.Now);

        var actual = PlannerFixture.ToJson(plan);
        if (Environment.GetEnvironmentVariable("FLAMEWATCH_UPDATE_GOLDENS") == "1")
        {
            PlannerFixture.WriteExpected(caseName, actual);
        }

        var expected = PlannerFixture.Expected(caseName);
        Assert.True(expected is not null, $"{caseName}/expected.json is missing; run with FLAMEWATCH_UPDATE_GOLDENS=1 and review it");
        Assert.True(JsonNode.DeepEquals(expected, actual), $"{caseName}: the plan differs from expected.json. Actual:\n{actual.ToJsonString(new() { WriteIndented = true })}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Applying_the_plan_converges_to_a_plan_with_no_pod_writes(string caseName)
    {
        var fixture = PlannerFixture.Load(caseName);
        var plan = AnnotationPlanner.Plan(fixture.Profile, fixture.Pods, fixture.OtherProfiles, fixture.Now);

        var pods = fixture.Pods.Select(pod =>
        {
            var patch = plan.PodPatches.SingleOrDefault(p => p.Name == pod.Name);
            if (patch is null)
            {
                return pod;
            }

            var annotations = new Dictionary<string, string>(pod.Annotations);
            foreach (var (key, value) in patch.Annotations)
            {
                if (value is null)
                {
                    annotations.Remove(key);
                }
                else
                {
                    annotations[key] = value;
                }
            }

            return pod with { Annotations = annotations };
        }).ToList();
        var profile = fixture.Profile;
        if (plan.Status is not null)
        {
            profile.Status = plan.Status;
        }

        if (plan.Finalizer == FinalizerAction.Add)
        {
            profile.Metadata.Finalizers = [.. profile.Metadata.Finalizers ?? [], Contracts.Api.V1Alpha1.V1Alpha1ContinuousProfile.Finalizer];
        }

        var second = AnnotationPlanner.Plan(profile, pods, fixture.OtherProfiles, fixture.Now.AddMinutes(1));

        Assert.Empty(second.PodPatches);
        Assert.Null(second.Status);
        Assert.DoesNotContain(second.Events, e => e.Type == PlannedEvent.Normal);
    }
}
