using System.Runtime.CompilerServices;

namespace Flamewatch.Profiling.Tests;

/// <summary>The same pipeline profiles the process it runs in (the basis of the in-process profiler API).</summary>
public sealed class SelfProfilingTests
{
    private static volatile bool s_stop;

    [Fact]
    public async Task The_current_process_can_profile_itself()
    {
        s_stop = false;
        var busy = new Thread(BusyLoop) { IsBackground = true, Name = "SelfBusy" };
        busy.Start();
        try
        {
            var options = new ProfilingOptions { Period = TimeSpan.FromSeconds(3), FrequencyHz = 100, ProfileTypes = ProfileTypes.Cpu | ProfileTypes.Wall };
            var (statistics, profile) = (await SessionRunner.ProfileAsync(Environment.ProcessId, options))[0];
            var reader = new ProfileReader(profile);
            var expected = $"{typeof(SelfProfilingTests).FullName}.{nameof(SpinSelf)}";
            Assert.True(reader.Sum("cpu-time", s => reader.Leaf(s) == expected) > 0, "the busy method shows up in its own profile");
            Assert.True(statistics.Rounds > 0);
        }
        finally
        {
            s_stop = true;
            busy.Join();
        }
    }

    private static void BusyLoop()
    {
        var state = 1u;
        while (!s_stop)
        {
            state = SpinSelf(state);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static uint SpinSelf(uint state)
    {
        for (var i = 0; i < 5000; i++)
        {
            state = (state * 1664525) + 1013904223;
        }
        return state;
    }
}
