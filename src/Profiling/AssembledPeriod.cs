using Flamewatch.Profiling.Export;
using Flamewatch.Profiling.Pprof;

namespace Flamewatch.Profiling;

/// <summary>A finished period: what to upload, its measurements, and the profile itself (for <see cref="ProfilingSession.PeriodCompleted"/>).</summary>
internal sealed record AssembledPeriod(ProfileUpload Upload, PeriodStatistics Statistics, Profile Profile);
