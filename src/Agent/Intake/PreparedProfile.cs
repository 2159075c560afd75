using Flamewatch.Agent.Storage;

namespace Flamewatch.Agent.Intake;

/// <summary>A profile that passed every check and is indexed, ready for <see cref="ProfileIngestor.StoreAsync"/>.</summary>
internal sealed record PreparedProfile(string Application, NewProfile Profile);
