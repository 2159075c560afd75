namespace Flamewatch.E2E.Tests;

internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Tool(string name)
    {
        var bundled = Path.Combine(Root, "tools", "bin", name);
        return File.Exists(bundled) ? bundled : name;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Operator.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Operator.sln not found above " + AppContext.BaseDirectory);
    }
}
