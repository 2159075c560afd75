namespace Flamewatch.Agent;

/// <summary>Event IDs of the agent, in its range 5000–5999 (docs/logging.md). Never renumber; only append.</summary>
internal enum AgentEventId
{
    StoreOpened = 5001,
    StoreWriteFailed = 5002,
    RetentionDeleted = 5003,
    RetentionFailed = 5004,
    ProfileStored = 5005,
    UploadRejected = 5006,
    Unauthorized = 5007,
    Listening = 5008,
    TokenMissing = 5009,
}
