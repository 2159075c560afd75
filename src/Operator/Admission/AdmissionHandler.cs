using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flamewatch.Operator.Controller;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flamewatch.Operator.Admission;

/// <summary>
/// The small applier around <see cref="InjectionPlanner"/>: AdmissionReview v1 in, AdmissionReview v1 out. Never
/// refuses a pod: whatever goes wrong (unreadable review, caches not synced within the budget, a planner fault) the
/// answer is "allowed, unchanged", counted and logged.
/// </summary>
internal sealed class AdmissionHandler(
    ClusterCache cache,
    WebhookMetrics metrics,
    IOptions<WebhookOptions> options,
    ILogger<AdmissionHandler> logger)
{
    private const string ApiVersion = "admission.k8s.io/v1";

    /// <summary>Answers one review; a null response means the body was no AdmissionReview at all (HTTP 400).</summary>
    public async Task<(int StatusCode, byte[] Body)> HandleAsync(Stream body, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        JsonObject? request;
        string? uid;
        try
        {
            request = (await JsonNode.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false))?["request"] as JsonObject;
            uid = request?["uid"]?.GetValueKind() == JsonValueKind.String ? request["uid"]!.GetValue<string>() : null;
        }
        catch (JsonException exception)
        {
            return Refuse($"the body is not JSON: {exception.Message}");
        }

        if (request is null || uid is null)
        {
            return Refuse("the body is not an AdmissionReview with request.uid");
        }

        var ns = Text(request, "namespace") ?? Text(request["object"]?["metadata"] as JsonObject, "namespace") ?? "";
        var name = Text(request["object"]?["metadata"] as JsonObject, "name") ?? Text(request["object"]?["metadata"] as JsonObject, "generateName") ?? "(unnamed)";
        InjectionPlan plan;
        try
        {
            plan = await PlanAsync(request, ns, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            plan = InjectionPlan.Unchanged(InjectionOutcome.Error, exception.Message);
            Log.AdmissionFailed(logger, ns, name, exception);
        }

        var response = new JsonObject { ["uid"] = uid, ["allowed"] = true };
        if (plan.Patch is not null)
        {
            response["patchType"] = "JSONPatch";
            response["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(plan.Patch.ToJsonString()));
        }

        var review = new JsonObject { ["apiVersion"] = ApiVersion, ["kind"] = "AdmissionReview", ["response"] = response };
        metrics.Admitted(plan.Outcome, Stopwatch.GetElapsedTime(started));
        if (plan.Outcome == InjectionOutcome.Timeout)
        {
            Log.AdmissionTimedOut(logger, ns, name, plan.Reason);
        }
        else if (plan.Outcome != InjectionOutcome.Error)
        {
            Log.AdmissionDecided(logger, ns, name, WebhookMetrics.Label(plan.Outcome), plan.Reason);
        }

        return (200, JsonSerializer.SerializeToUtf8Bytes(review));

        (int, byte[]) Refuse(string reason)
        {
            metrics.Admitted(InjectionOutcome.Error, Stopwatch.GetElapsedTime(started));
            Log.AdmissionUnreadable(logger, reason);
            return (400, Encoding.UTF8.GetBytes(reason + "\n"));
        }
    }

    private async Task<InjectionPlan> PlanAsync(JsonObject request, string ns, CancellationToken cancellationToken)
    {
        if (Text(request, "operation") != "CREATE" || Text(request["resource"] as JsonObject, "resource") != "pods"
            || request["subResource"] is JsonValue || request["object"] is not JsonObject pod)
        {
            return InjectionPlan.Unchanged(InjectionOutcome.NotSelected, "not the creation of a pod");
        }

        if (!cache.Profiles.HasSynced)
        {
            try
            {
                await cache.Profiles.WaitForSyncAsync(cancellationToken).WaitAsync(options.Value.Budget, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return InjectionPlan.Unchanged(InjectionOutcome.Timeout, $"the ContinuousProfile cache did not sync within {options.Value.Budget.TotalMilliseconds:0} ms");
            }
        }

        return InjectionPlanner.Plan(pod, ns, cache.ProfilesIn(ns));
    }

    private static string? Text(JsonObject? obj, string key) =>
        obj?[key]?.GetValueKind() == JsonValueKind.String ? obj[key]!.GetValue<string>() : null;
}
