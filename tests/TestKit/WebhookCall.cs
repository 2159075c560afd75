namespace Flamewatch.TestKit;

/// <summary>One call the test API server made to a mutating admission webhook.</summary>
/// <param name="Webhook">The webhook's name in its MutatingWebhookConfiguration.</param>
/// <param name="Resource">group/plural of the object being created.</param>
/// <param name="Outcome"><c>patched</c>, <c>allowed</c>, <c>denied</c>, or <c>failed: …</c> (then the failure policy applied).</param>
/// <param name="Elapsed">From sending the AdmissionReview to reading the answer.</param>
public sealed record WebhookCall(string Webhook, string Resource, string Outcome, TimeSpan Elapsed);
