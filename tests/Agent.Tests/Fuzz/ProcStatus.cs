using System.Globalization;

namespace Flamewatch.Agent.Tests.Fuzz;

/// <summary>Reads a Linux process's resident memory and descriptor count from /proc.</summary>
internal static class ProcStatus
{
    public static long ResidentBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }
        throw new InvalidOperationException($"/proc/{pid}/status has no VmRSS");
    }

    public static int OpenFileDescriptors(int pid) => Directory.GetFiles($"/proc/{pid}/fd").Length;
}
