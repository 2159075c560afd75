using System.Diagnostics;
using Flamewatch.TestKit.TargetApp;

// Usage: Flamewatch.TestKit.TargetApp [hot] [sleep] [alloc] [churn] [sockets] [dynamic] [large] [mixed] [late] [--seconds N]
// "sockets" echoes messages over loopback TCP (its time is in ReadyToRun socket P/Invokes); "dynamic" spins in
// short-lived dynamic methods (JIT'd and freed all the time); "large" runs a retaining and a transient site of
// large-object-heap arrays; "mixed" alternates 20 ms of spinning with 20 ms of sleeping on one thread.
// "alloc" runs a retaining and a transient allocation site; "churn" the transient one alone (every young object dies).
// "late" starts, 3 s after "ready", a thread running ReadyToRun framework code (Convert.ToBase64String) that a
// profiler attached before then sees for the first time.
// Scenarios may also come from FLAMEWATCH_TARGET_SCENARIOS (comma-separated); default: all three.
// Prints "ready pid=<pid>" once every scenario thread runs, then once per second
// "tick iterations=<hot-loop iterations in that second> retained=<bytes> transient=<bytes> large=<bytes> at=<unix ms>"
// (cumulative bytes allocated by the retaining, transient and large retaining sites, read at that instant).
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
    Console.WriteLine($"tick iterations={iterations - lastIterations} retained={Interlocked.Read(ref workloads.RetainedBytes)} transient={Interlocked.Read(ref workloads.TransientBytes)} large={Interlocked.Read(ref workloads.LargeRetainedBytes)} at={DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}");
    Console.Out.Flush();
    lastIterations = iterations;
}
GC.KeepAlive(lateStart);
