namespace Flamewatch.Agent.Tests.Fuzz;

/// <summary>
/// Makes a failing request smaller while it still fails: drops headers one at a time, then removes ever
/// smaller slices of the body (delta debugging), within a budget of attempts.
/// </summary>
internal static class Shrinker
{
    public static async Task<FuzzRequest> ShrinkAsync(FuzzRequest failing, Func<FuzzRequest, Task<bool>> stillFails, int budget = 120)
    {
        var current = failing;
        for (var i = 0; i < current.Headers.Count && budget > 0; budget--)
        {
            var candidate = current with { Headers = [.. current.Headers.Where((_, j) => j != i)] };
            if (await stillFails(candidate))
            {
                current = candidate;
            }
            else
            {
                i++;
            }
        }
        for (var slice = current.Body.Length / 2; slice >= 1 && budget > 0; slice /= 2)
        {
            for (var start = 0; start + slice <= current.Body.Length && budget > 0; budget--)
            {
                var candidate = current with { Body = [.. current.Body[..start], .. current.Body[(start + slice)..]] };
                if (await stillFails(candidate))
                {
                    current = candidate;
                }
                else
                {
                    start += slice;
                }
            }
        }
        return current;
    }
}
