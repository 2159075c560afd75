using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Flamewatch.TestKit.TargetApp;

/// <summary>
/// The workloads of the target app. Method names are part of its contract: tests build expected frame
/// names from them with <c>nameof</c>, so every frame-bearing method is <see cref="MethodImplOptions.NoInlining"/>.
/// </summary>
public sealed class Workloads
{
    public const string HotThreadName = "HotLoop";
    public const string SleeperThreadName = "Sleeper";
    public const string RetainingThreadName = "Retainer";
    public const string TransientThreadName = "Churner";
    public const string LateThreadName = "LateR2R";
    public const string SocketThreadName = "Sockets";
    public const string DynamicThreadName = "Dynamic";
    public const string MixedThreadName = "Mixed";
    public const string LargeRetainingThreadName = "LargeRetainer";
    public const string LargeTransientThreadName = "LargeChurner";
    public const string ThrowerThreadName = "Thrower";
    public const string StormThreadName = "Storm";
    public const string WaiterThreadName = "Waiter";
    public const string LockHeavyThreadName = "LockHeavy";

    /// <summary>Throws per second of <see cref="ThrowOften"/> (an <see cref="InvalidOperationException"/>).</summary>
    public const int OftenPerSecond = 300;

    /// <summary>Throws per second of <see cref="ThrowSometimes"/> (the same type from another method).</summary>
    public const int SometimesPerSecond = 30;

    /// <summary>Throws per second of <see cref="ThrowFormat"/> (a <see cref="FormatException"/>).</summary>
    public const int FormatPerSecond = 30;

    /// <summary>Calls of the 200-step spin per request of <see cref="RunThrowHeavy"/>.</summary>
    public const int ThrowHeavyWork = 128;

    /// <summary>Threads queuing on the shared lock in <see cref="WaitForSharedLock"/>.</summary>
    public const int Waiters = 4;

    /// <summary>Threads contending in <see cref="EnterBusyLock"/>.</summary>
    public const int LockHeavyThreads = 4;

    /// <summary>Rounds of the 200-step spin a request of <see cref="RunLockHeavy"/> does outside the lock.</summary>
    public const int LockHeavyWorkRounds = 48;

    /// <summary>Payload of every large-object-heap array (above the 85,000-byte threshold).</summary>
    public const int LargePayload = 100_000;

    /// <summary>How many large arrays the large retaining site keeps alive (≈ 16 MB).</summary>
    public const int LargeRetainedCapacity = 160;

    public const long LargeRetainingBytesPerSecond = 4 * 1024 * 1024;
    public const long LargeTransientBytesPerSecond = 16 * 1024 * 1024;

    /// <summary>The name every dynamic method of <see cref="RunDynamicMethods"/> gets.</summary>
    public const string DynamicMethodName = "DynamicSpin";

    /// <summary>Share of hot-loop iterations that call <see cref="HotA"/> (the rest call <see cref="HotB"/>).</summary>
    public const double HotAShare = 0.7;

    /// <summary>Bytes per second each allocation site aims at.</summary>
    public const long RetainingBytesPerSecond = 12 * 1024 * 1024;
    public const long TransientBytesPerSecond = 36 * 1024 * 1024;

    /// <summary>Payload length of every allocated array (a small-object-heap byte[]).</summary>
    public const int AllocationPayload = 4000;

    /// <summary>How many arrays the retaining site keeps alive (≈ 48 MB).</summary>
    public const int RetainedCapacity = 12_000;

    public long Iterations;
    public long RetainedBytes;
    public long TransientBytes;
    public long LargeRetainedBytes;
    public long ThrownOften;
    public long ThrownSometimes;
    public long ThrownFormat;
    public long ThrownStorm;

    /// <summary>Acquisitions of the shared lock that waited (took longer than 10 µs).</summary>
    public long LockWaits;

    /// <summary>Time the waiters spent entering the shared lock (ns), measured with <see cref="Stopwatch"/>.</summary>
    public long LockWaitNanoseconds;

    private readonly object _sharedLock = new();
    private readonly object _busyLock = new();

    private readonly byte[][] _retained = new byte[RetainedCapacity][];
    private readonly byte[][] _largeRetained = new byte[LargeRetainedCapacity][];
    private uint _state = 12345;

    public void RunHotLoop()
    {
        long i = 0;
        while (true)
        {
            if (i % 10 < 7)
            {
                _state = HotA(_state);
            }
            else
            {
                _state = HotB(_state);
            }
            i++;
            Interlocked.Increment(ref Iterations);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static uint HotA(uint state) => Spin(state);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static uint HotB(uint state) => Spin(state);

    // Inlined into HotA/HotB so each sample's leaf is one of them.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Spin(uint state)
    {
        for (var k = 0; k < 2000; k++)
        {
            state = (state * 1664525) + 1013904223;
        }
        return state;
    }

    /// <summary>Alternates 20 ms of spinning in <see cref="MixedWork"/> with 20 ms of sleeping in <see cref="MixedWait"/>.</summary>
    public static void RunMixed()
    {
        uint state = 3;
        while (true)
        {
            state = MixedWork(state);
            MixedWait();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static uint MixedWork(uint state)
    {
        var clock = Stopwatch.StartNew();
        while (clock.ElapsedTicks < Stopwatch.Frequency / 50)
        {
            state = Spin(state);
        }
        return state;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void MixedWait() => Thread.Sleep(20);

    public static void RunSleeper()
    {
        while (true)
        {
            Sleep();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Sleep() => Thread.Sleep(50);

    public static void RunLateFrameworkCode()
    {
        var buffer = new byte[64 * 1024];
        Random.Shared.NextBytes(buffer);
        while (true)
        {
            EncodeLate(buffer);
        }
    }

    /// <summary>Spends its time in ReadyToRun framework code first run long after start.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int EncodeLate(byte[] buffer) => Convert.ToBase64String(buffer).Length;

    /// <summary>
    /// Echoes small messages over a loopback TCP connection: its time goes to the socket P/Invokes of ReadyToRun
    /// framework code (<c>Interop+Sys.*</c>), which rundown does not list.
    /// </summary>
    public static void RunLoopbackSockets()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        using var client = new System.Net.Sockets.TcpClient();
        client.Connect((System.Net.IPEndPoint)listener.LocalEndpoint);
        using var server = listener.AcceptTcpClient();
        var message = new byte[256];
        var reply = new byte[256];
        while (true)
        {
            Echo(client.GetStream(), server.GetStream(), message, reply);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Echo(System.Net.Sockets.NetworkStream client, System.Net.Sockets.NetworkStream server, byte[] message, byte[] reply)
    {
        client.Write(message);
        server.ReadExactly(reply);
        server.Write(reply);
        client.ReadExactly(message);
    }

    /// <summary>
    /// Spins in short-lived dynamic methods (as compiled expressions and regular expressions are): each is emitted,
    /// called a few times and dropped, so the runtime keeps JIT'ing new code and freeing the old.
    /// </summary>
    public static void RunDynamicMethods()
    {
        uint state = 7;
        for (var emitted = 1; ; emitted++)
        {
            var spin = EmitSpin();
            for (var call = 0; call < 20; call++)
            {
                state = spin(state);
            }
            if (emitted % 20 == 0)
            {
                // A service that allocates collects its dropped dynamic methods as it goes; this one allocates little.
                GC.Collect();
            }
        }
    }

    private static Func<uint, uint> EmitSpin()
    {
        var method = new System.Reflection.Emit.DynamicMethod(DynamicMethodName, typeof(uint), [typeof(uint)]);
        var il = method.GetILGenerator();
        var counter = il.DeclareLocal(typeof(int));
        var body = il.DefineLabel();
        var check = il.DefineLabel();
        il.Emit(System.Reflection.Emit.OpCodes.Br, check);
        il.MarkLabel(body);
        il.Emit(System.Reflection.Emit.OpCodes.Ldarg_0);
        il.Emit(System.Reflection.Emit.OpCodes.Ldc_I4, 1664525);
        il.Emit(System.Reflection.Emit.OpCodes.Mul);
        il.Emit(System.Reflection.Emit.OpCodes.Ldc_I4, 1013904223);
        il.Emit(System.Reflection.Emit.OpCodes.Add);
        il.Emit(System.Reflection.Emit.OpCodes.Starg_S, (byte)0);
        il.Emit(System.Reflection.Emit.OpCodes.Ldloc, counter);
        il.Emit(System.Reflection.Emit.OpCodes.Ldc_I4_1);
        il.Emit(System.Reflection.Emit.OpCodes.Add);
        il.Emit(System.Reflection.Emit.OpCodes.Stloc, counter);
        il.MarkLabel(check);
        il.Emit(System.Reflection.Emit.OpCodes.Ldloc, counter);
        il.Emit(System.Reflection.Emit.OpCodes.Ldc_I4, 200_000);
        il.Emit(System.Reflection.Emit.OpCodes.Blt, body);
        il.Emit(System.Reflection.Emit.OpCodes.Ldarg_0);
        il.Emit(System.Reflection.Emit.OpCodes.Ret);
        return method.CreateDelegate<Func<uint, uint>>();
    }

    /// <summary>Throws and catches at three sites, paced in 10 ms steps: 300/s, 30/s of the same type, 30/s of another type.</summary>
    public void RunThrower()
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var seconds = clock.Elapsed.TotalSeconds;
            while (Interlocked.Read(ref ThrownOften) < (long)(seconds * OftenPerSecond))
            {
                Catch(ThrowOften);
                Interlocked.Increment(ref ThrownOften);
            }
            while (Interlocked.Read(ref ThrownSometimes) < (long)(seconds * SometimesPerSecond))
            {
                Catch(ThrowSometimes);
                Interlocked.Increment(ref ThrownSometimes);
            }
            while (Interlocked.Read(ref ThrownFormat) < (long)(seconds * FormatPerSecond))
            {
                Catch(ThrowFormat);
                Interlocked.Increment(ref ThrownFormat);
            }
            Thread.Sleep(10);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowOften() => throw new InvalidOperationException("often");

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowSometimes() => throw new InvalidOperationException("sometimes");

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowFormat() => throw new FormatException("format");

    /// <summary>Throws and catches as fast as it can in <see cref="ThrowStorm"/>; every throw is also an iteration.</summary>
    public void RunStorm()
    {
        while (true)
        {
            Catch(ThrowStorm);
            Interlocked.Increment(ref ThrownStorm);
            Interlocked.Increment(ref Iterations);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowStorm() => throw new ArgumentException("storm");

    /// <summary>
    /// Handles "requests" that each do ≈ 40 µs of work and end in a throw and catch (tens of thousands of throws per
    /// second on one core: an exception-heavy service rather than a storm); each request is an iteration and its throw
    /// counts with the storm's.
    /// </summary>
    public void RunThrowHeavy()
    {
        uint state = 5;
        while (true)
        {
            for (var i = 0; i < ThrowHeavyWork; i++)
            {
                state = SpinShort(state);
            }
            Catch(ThrowStorm);
            Interlocked.Increment(ref ThrownStorm);
            Interlocked.Increment(ref Iterations);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Catch(Action thrower)
    {
        try
        {
            thrower();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            GC.KeepAlive(e);
        }
    }

    /// <summary>One of <see cref="Waiters"/> threads that queue on one lock, each holding it ≈1 ms (asleep).</summary>
    public void RunWaiter()
    {
        while (true)
        {
            WaitForSharedLock();
        }
    }

    /// <summary>Enters the shared lock (timing the wait) and holds it for a 1 ms sleep.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void WaitForSharedLock()
    {
        var start = Stopwatch.GetTimestamp();
        lock (_sharedLock)
        {
            var waited = Stopwatch.GetElapsedTime(start);
            Interlocked.Add(ref LockWaitNanoseconds, (long)(waited.TotalMilliseconds * 1e6));
            if (waited > TimeSpan.FromMicroseconds(10))
            {
                Interlocked.Increment(ref LockWaits);
            }
            Thread.Sleep(1);
        }
    }

    /// <summary>
    /// One of <see cref="LockHeavyThreads"/> CPU-bound threads handling requests of ≈ 15 µs of work that each enter one
    /// shared lock briefly; every eighth yields while holding it, so that the other threads queue (thousands of
    /// contended entries a second). Every request is an iteration. The work outside the lock keeps the throughput
    /// steady: with only the lock's own work, most of the time went to handing the lock over, and the throughput
    /// swung by ±15 % from window to window with the scheduler.
    /// </summary>
    public void RunLockHeavy()
    {
        uint state = 11;
        for (long i = 0; ; i++)
        {
            state = EnterBusyLock(state, yieldInside: i % 8 == 0);
            for (var k = 0; k < LockHeavyWorkRounds; k++)
            {
                state = SpinShort(state);
            }
            Interlocked.Increment(ref Iterations);
        }
    }

    /// <summary>Works briefly inside a lock; sometimes yields while holding it, so that other threads queue.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public uint EnterBusyLock(uint state, bool yieldInside)
    {
        lock (_busyLock)
        {
            state = SpinShort(state);
            if (yieldInside)
            {
                Thread.Yield();
            }
            return state;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static uint SpinShort(uint state)
    {
        for (var k = 0; k < 200; k++)
        {
            state = (state * 1664525) + 1013904223;
        }
        return state;
    }

    public void RunRetainingAllocator() => Paced(RetainingBytesPerSecond, AllocateRetained);

    public void RunTransientAllocator() => Paced(TransientBytesPerSecond, AllocateTransient);

    /// <summary>Allocates and keeps the array alive in a ring: this site dominates the live heap.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public long AllocateRetained(long index)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        _retained[index % RetainedCapacity] = new byte[AllocationPayload];
        var size = GC.GetAllocatedBytesForCurrentThread() - before;
        Interlocked.Add(ref RetainedBytes, size);
        return size;
    }

    /// <summary>Allocates an array that dies young.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public long AllocateTransient(long index)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var array = new byte[AllocationPayload];
        array[index % AllocationPayload] = 1;
        GC.KeepAlive(array);
        var size = GC.GetAllocatedBytesForCurrentThread() - before;
        Interlocked.Add(ref TransientBytes, size);
        return size;
    }

    public void RunLargeRetainingAllocator() => Paced(LargeRetainingBytesPerSecond, AllocateLargeRetained);

    public void RunLargeTransientAllocator() => Paced(LargeTransientBytesPerSecond, AllocateLargeTransient);

    /// <summary>Keeps its large arrays alive in a ring: they live on the large object heap, collected by gen2 GCs only.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public long AllocateLargeRetained(long index)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        _largeRetained[index % LargeRetainedCapacity] = new byte[LargePayload];
        var size = GC.GetAllocatedBytesForCurrentThread() - before;
        Interlocked.Add(ref LargeRetainedBytes, size);
        return size;
    }

    /// <summary>Allocates a large array that dies at once.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public long AllocateLargeTransient(long index)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var array = new byte[LargePayload];
        array[index % LargePayload] = 1;
        GC.KeepAlive(array);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    // Allocates in 10 ms steps so the byte rate is steady.
    private static void Paced(long bytesPerSecond, Func<long, long> allocate)
    {
        var clock = Stopwatch.StartNew();
        long allocated = 0;
        long index = 0;
        while (true)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * bytesPerSecond);
            while (allocated < due)
            {
                allocated += allocate(index++);
            }
            Thread.Sleep(10);
        }
    }
}
