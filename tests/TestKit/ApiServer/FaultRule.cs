using Microsoft.AspNetCore.Http;

namespace Flamewatch.TestKit.ApiServer;

/// <summary>A test hook: requests matching <see cref="Match"/> are delayed and/or answered with an error Status.</summary>
internal sealed class FaultRule(Func<HttpRequest, bool> match, int? statusCode, TimeSpan delay, int times)
{
    private int _remaining = times;

    public Func<HttpRequest, bool> Match => match;

    public int? StatusCode => statusCode;

    public TimeSpan Delay => delay;

    /// <summary>Consumes one use; false when the rule is exhausted (negative times = unlimited).</summary>
    public bool TryUse() => _remaining < 0 || Interlocked.Decrement(ref _remaining) >= 0;
}
