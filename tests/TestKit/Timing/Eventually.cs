namespace Flamewatch.TestKit.Timing;

/// <summary>Waits for a condition by polling it (every 10 ms) until it holds or the token is cancelled.</summary>
public static class Eventually
{
    public static async Task UntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }
}
