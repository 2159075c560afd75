using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;

namespace Flamewatch.Profiling.Sampling;

/// <summary>
/// Runtime events that an <see cref="EventSlicer"/> observes in a session of their own: the keyword and level that
/// enable them, the runtime counter that counts them whether observed or not, and the rate below which every one is
/// observed.
/// </summary>
/// <param name="Name">For logs and the session's name (<c>exceptions</c>, <c>contention</c>).</param>
/// <param name="SteadyRate">Events per second below which the session stays on; above it, it runs in slices.</param>
internal sealed record SlicedEvents(string Name, long Keywords, EventLevel Level, string CounterName, double SteadyRate)
{
    /// <summary>
    /// <c>ExceptionThrown</c> alone (the Exception keyword at the Error level): one stack walk per throw. A thread that
    /// throws costs about its event's price per throw while observed, so 1,000 a second is the most observed continuously.
    /// </summary>
    public static readonly SlicedEvents Exceptions =
        new("exceptions", (long)ClrTraceEventParser.Keywords.Exception, EventLevel.Error, "exception-count", 1_000);

    /// <summary>
    /// <c>ContentionStart</c> and <c>ContentionStop</c> (the Contention keyword at the Informational level): two events
    /// and two stack walks per wait, a few microseconds of the waiting thread's time (which it would have spent waiting,
    /// except for the thread that takes the lock next). Up to 2,000 waits a second are observed continuously: about 1 %
    /// of a core.
    /// </summary>
    public static readonly SlicedEvents Contention =
        new("contention", (long)ClrTraceEventParser.Keywords.Contention, EventLevel.Informational, "monitor-lock-contention-count", 2_000);
}
