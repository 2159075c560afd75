using System.Globalization;
using System.Text;

namespace Flamewatch.TestKit.Processes;

/// <summary>A directory laid out like procfs (stat, status, cgroup, environ, maps, root/), for unit tests of discovery and attach.</summary>
public sealed class FakeProcTree : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("fw-fakeproc-");

    public string Root => _directory.FullName;

    public string ProcessDirectory(int pid) => Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture));

    /// <summary>The process's root file system (a plain directory here; a magic link on a real procfs).</summary>
    public string ProcessRoot(int pid) => Path.Combine(ProcessDirectory(pid), "root");

    public void AddProcess(
        int pid, ulong startTime, string cgroup, IReadOnlyDictionary<string, string>? environment = null,
        int namespacePid = 1, string maps = "", char state = 'S', string command = "app")
    {
        var directory = ProcessDirectory(pid);
        Directory.CreateDirectory(Path.Combine(directory, "root", "tmp"));
        File.WriteAllText(Path.Combine(directory, "stat"),
            string.Create(CultureInfo.InvariantCulture,
                $"{pid} ({command}) {state} 1 {pid} {pid} 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 4 0 {startTime} 1000000 500 18446744073709551615\n"));
        File.WriteAllText(Path.Combine(directory, "status"),
            string.Create(CultureInfo.InvariantCulture, $"Name:\t{command}\nTgid:\t{pid}\nNSpid:\t{pid}\t{namespacePid}\nUid:\t0\t0\t0\t0\n"));
        File.WriteAllText(Path.Combine(directory, "cgroup"), cgroup);
        File.WriteAllText(Path.Combine(directory, "maps"), maps);
        var env = new StringBuilder();
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            env.Append(name).Append('=').Append(value).Append('\0');
        }

        File.WriteAllText(Path.Combine(directory, "environ"), env.ToString());
    }

    /// <summary>Puts a file named as the runtime names its socket (a regular file stands in for the socket).</summary>
    public string AddSocket(int pid, ulong startTime, string tempDirectory = "/tmp", int namespacePid = 1)
    {
        var path = SocketPath(pid, startTime, tempDirectory, namespacePid);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, string.Empty);
        return path;
    }

    /// <summary>Where the runtime of that process would put its socket, seen from here.</summary>
    public string SocketPath(int pid, ulong startTime, string tempDirectory = "/tmp", int namespacePid = 1) =>
        Path.Combine(ProcessRoot(pid), tempDirectory.TrimStart('/'), $"dotnet-diagnostic-{namespacePid}-{startTime}-socket");

    public void RemoveProcess(int pid) => Directory.Delete(ProcessDirectory(pid), recursive: true);

    public void Dispose()
    {
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
