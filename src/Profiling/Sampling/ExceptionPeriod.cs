namespace Flamewatch.Profiling.Sampling;

/// <summary>What <see cref="ExceptionSampler"/> saw in one period.</summary>
/// <param name="Seen">Throws seen, of every type.</param>
/// <param name="Kept">Keys counted exactly plus throw stacks kept by sampling (the values of the others are carried by upscaling).</param>
/// <param name="Dropped">Sampled throws of types beyond <see cref="ExceptionSampler.MaxTypes"/>.</param>
/// <param name="Types">Distinct exception types counted.</param>
/// <param name="Upscaled">Whether some stacks' counts are estimates (throws beyond <see cref="ExceptionSampler.MaxExactKeys"/> keys were sampled).</param>
/// <param name="Coverage">The share of the period during which throws were observed.</param>
/// <param name="Attributed">Throws the runtime counted beyond the coverage estimate, attributed to the fast-throwing threads.</param>
internal sealed record ExceptionPeriod(long Seen, long Kept, long Dropped, int Types, bool Upscaled, double Coverage = 1, long Attributed = 0);
