using Flamewatch.Profiling.Symbols;

namespace Flamewatch.Profiling.Tests.Unit;

public sealed class ModuleSymbolsTests
{
    [Fact]
    public void A_readytorun_framework_image_names_its_precompiled_pinvokes()
    {
        // The socket P/Invokes of the framework this test runs on: precompiled, and absent from rundown.
        var image = ReadyToRunImage.TryRead(typeof(System.Net.Sockets.Socket).Assembly.Location);
        Assert.NotNull(image);
        Assert.True(image.MethodCount > 1000, $"{image.MethodCount} methods");
        var names = Enumerable.Range(0, 0x200000).Where(rva => rva % 16 == 0).Select(rva => image.Resolve((uint)rva)).OfType<string>().ToHashSet();
        Assert.Contains(names, n => n.StartsWith("Interop+Sys.", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("System.Net.Sockets.Socket.", StringComparison.Ordinal));
    }

    [Fact]
    public void Files_that_are_not_readytorun_images_are_not_read_as_such()
    {
        Assert.Null(ReadyToRunImage.TryRead(typeof(ModuleSymbolsTests).Assembly.Location));
        Assert.Null(ReadyToRunImage.TryRead("/proc/self/status"));
        Assert.Null(ReadyToRunImage.TryRead("/nonexistent/file.dll"));
    }

    [Fact]
    public void Maps_lines_give_the_files_mapped_at_each_address()
    {
        var mappings = ModuleSymbols.Parse("""
            7f9e35b70000-7f9e35b71000 r--p 00000000 fe:00 350912                     /usr/share/dotnet/shared/System.Net.Sockets.dll
            7f9e35b80000-7f9e35bf2000 r-xp 00000000 fe:00 350912                     /usr/share/dotnet/shared/System.Net.Sockets.dll
            7f5d84129000-7f5d841bd000 r--s 00000000 fe:00 350912                     /usr/share/dotnet/shared/System.Net.Sockets.dll
            7f857fde0000-7f857fe20000 r-xs 00e41000 00:01 9086                       /memfd:doublemapper (deleted)
            7ffd1c3b2000-7ffd1c3d3000 rw-p 00000000 00:00 0                          [stack]
            7f0000000000-7f0000001000 rw-p 00000000 00:00 0
            """);
        Assert.Equal(4, mappings.Length);
        Assert.Equal(0x7f5d84129000UL, mappings[0].Start);
        Assert.True(mappings[0].Shared);
        Assert.Equal("/memfd:doublemapper", mappings[1].Path);
        Assert.Equal("/usr/share/dotnet/shared/System.Net.Sockets.dll", mappings[3].Path);
        Assert.False(mappings[3].Shared);
    }
}
