using System.Diagnostics;
using Flamewatch.TestKit.TargetApp;

// Usage: Flamewatch.TestKit.TargetApp [hot] [sleep] [alloc] [churn] [sockets] [dynamic] [large] [mixed] [late]
//   [exceptions] [storm] [throwheavy] [lock] [lockheavy] [--seconds N]
// "sockets" echoes messages over loopback TCP (its time is in ReadyToRun socket P/Invokes); "dynamic" spins in
// short-lived dynamic methods (JIT'd and freed all the time); "large" runs a retaining and a transient site of
// large-object-heap arrays; "mixed" alternates 20 ms of spinning with 20 ms of sleeping on one thread.
// "alloc" runs a retaining and a transient allocation site; "churn" the transient one alone (every young object dies).
// "late" starts, 3 s after "ready", a thread running ReadyToRun framework code (Convert.ToBase64String) that a
// profiler attached before then sees for the first time.
// "exceptions" throws and catches at three sites (300/s, 30/s of the same type from another method, 30/s of another
// type); "storm" throws as fast as one thread can; "throwheavy" handles requests of ≈ 40 µs that each end in a
// throw. "lock" runs threads queuing on one lock that each hold it ≈1 ms, timing their waits; "lockheavy" CPU-bound
// threads contending for one lock. Iterations count storm throws, throwheavy requests and lockheavy acquisitions too
// (benchmarks run them alone).
// Scenarios may also come from FLAMEWATCH_TARGET_SCENARIOS (comma-separated); default: all three.
// Prints "ready pid=<pid>" once every scenario thread runs, then once per second
// "tick iterations=<hot-loop iterations in that second> retained=<bytes> transient=<bytes> large=<bytes>" (cumulative
// bytes allocated by the retaining, transient and large retaining sites), followed by
// " exceptions=<often>/<sometimes>/<format>/<storm> lockwaits=<n> lockwaitns=<ns> contentions=<n>" (cumulative throws per
// site, waits of the shared lock longer than 10 µs, the time spent entering it, and the runtime's count of contended
// lock entries, Monitor.LockContentionCount) and " at=<unix ms>" (when they were read).
var scenarios = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
var seconds = 0;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--seconds" && i + 1 < args.Length)
    {
        seconds = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
    }
    else
    {
        scenarios.Add(args[i]);
    }
}
var fromEnv = Environment.GetEnvironmentVariable("FLAMEWATCH_TARGET_SCENARIOS");
if (scenarios.Count == 0 && !string.IsNullOrWhiteSpace(fromEnv))
{
    scenarios.UnionWith(fromEnv.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
if (scenarios.Count == 0)
{
    scenarios.UnionWith(["hot", "sleep", "alloc"]);
}

var workloads = new Workloads();
var threads = new List<Thread>();
if (scenarios.Contains("hot"))
{
    threads.Add(new Thread(workloads.RunHotLoop) { IsBackground = true, Name = Workloads.HotThreadName });
}
if (scenarios.Contains("sleep"))
{
    threads.Add(new Thread(Workloads.RunSleeper) { IsBackground = true, Name = Workloads.SleeperThreadName });
}
if (scenarios.Contains("alloc"))
{
    threads.Add(new Thread(workloads.RunRetainingAllocator) { IsBackground = true, Name = Workloads.RetainingThreadName });
}
if (scenarios.Contains("alloc") || scenarios.Contains("churn"))
{
    threads.Add(new Thread(workloads.RunTransientAllocator) { IsBackground = true, Name = Workloads.TransientThreadName });
}
if (scenarios.Contains("mixed"))
{
    threads.Add(new Thread(Workloads.RunMixed) { IsBackground = true, Name = Workloads.MixedThreadName });
}
if (scenarios.Contains("large"))
{
    threads.Add(new Thread(workloads.RunLargeRetainingAllocator) { IsBackground = true, Name = Workloads.LargeRetainingThreadName });
    threads.Add(new Thread(workloads.RunLargeTransientAllocator) { IsBackground = true, Name = Workloads.LargeTransientThreadName });
}
if (scenarios.Contains("dynamic"))
{
    threads.Add(new Thread(Workloads.RunDynamicMethods) { IsBackground = true, Name = Workloads.DynamicThreadName });
}
if (scenarios.Contains("sockets"))
{
    threads.Add(new Thread(Workloads.RunLoopbackSockets) { IsBackground = true, Name = Workloads.SocketThreadName });
}
if (scenarios.Contains("exceptions"))
{
    threads.Add(new Thread(workloads.RunThrower) { IsBackground = true, Name = Workloads.ThrowerThreadName });
}
if (scenarios.Contains("storm"))
{
    threads.Add(new Thread(workloads.RunStorm) { IsBackground = true, Name = Workloads.StormThreadName });
}
if (scenarios.Contains("throwheavy"))
{
    threads.Add(new Thread(workloads.RunThrowHeavy) { IsBackground = true, Name = Workloads.StormThreadName });
}
if (scenarios.Contains("lock"))
{
    for (var w = 0; w < Workloads.Waiters; w++)
    {
        threads.Add(new Thread(workloads.RunWaiter) { IsBackground = true, Name = Workloads.WaiterThreadName });
    }
}
if (scenarios.Contains("lockheavy"))
{
    for (var w = 0; w < Workloads.LockHeavyThreads; w++)
    {
        threads.Add(new Thread(workloads.RunLockHeavy) { IsBackground = true, Name = Workloads.LockHeavyThreadName });
    }
}
foreach (var thread in threads)
{
    thread.Start();
}
Timer? lateStart = null;
if (scenarios.Contains("late"))
{
    lateStart = new Timer(_ => new Thread(Workloads.RunLateFrameworkCode) { IsBackground = true, Name = Workloads.LateThreadName }.Start(),
        null, TimeSpan.FromSeconds(3), Timeout.InfiniteTimeSpan);
}

Console.WriteLine($"ready pid={Environment.ProcessId}");
Console.Out.Flush();
var clock = Stopwatch.StartNew();
long lastIterations = 0;
for (var tick = 1; seconds <= 0 || tick <= seconds; tick++)
{
    Thread.Sleep(TimeSpan.FromMilliseconds(Math.Max(0, (tick * 1000) - clock.ElapsedMilliseconds)));
    var iterations = Interlocked.Read(ref workloads.Iterations);
    Console.WriteLine($"tick iterations={iterations - lastIterations} retained={Interlocked.Read(ref workloads.RetainedBytes)} transient={Interlocked.Read(ref workloads.TransientBytes)} large={Interlocked.Read(ref workloads.LargeRetainedBytes)}"
        + $" exceptions={Interlocked.Read(ref workloads.ThrownOften)}/{Interlocked.Read(ref workloads.ThrownSometimes)}/{Interlocked.Read(ref workloads.ThrownFormat)}/{Interlocked.Read(ref workloads.ThrownStorm)}"
        + $" lockwaits={Interlocked.Read(ref workloads.LockWaits)} lockwaitns={Interlocked.Read(ref workloads.LockWaitNanoseconds)} contentions={Monitor.LockContentionCount} at={DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}");
    Console.Out.Flush();
    lastIterations = iterations;
}
GC.KeepAlive(lateStart);
