using Flamewatch.Profiling.Symbols;

namespace Flamewatch.Profiling.Tests.Unit;

public sealed class MethodTableTests
{
    [Fact]
    public void Addresses_resolve_to_the_method_whose_code_contains_them()
    {
        var table = new MethodTable();
        table.Add(0x1000, 0x100, "App.Worker", "Run");
        table.Add(0x2000, 0x10, "App.Worker", "Step");
        Assert.Equal("App.Worker.Run", table.Resolve(0x1000));
        Assert.Equal("App.Worker.Run", table.Resolve(0x10ff));
        Assert.Null(table.Resolve(0x1100));
        Assert.Equal("App.Worker.Step", table.Resolve(0x2008));
        Assert.Null(table.Resolve(0xfff));
    }

    [Fact]
    public void Methods_added_later_resolve_too()
    {
        var table = new MethodTable();
        table.Add(0x1000, 0x100, "App.Worker", "Run");
        Assert.Null(table.Resolve(0x3004));
        table.Add(0x3000, 0x20, "System.Convert", "ToBase64String");
        Assert.Equal("System.Convert.ToBase64String", table.Resolve(0x3004));
    }

    [Fact]
    public void Freed_code_names_the_samples_of_its_period_then_is_forgotten()
    {
        var table = new MethodTable();
        table.Add(0x1000, 0x100, "dynamicClass", "Spin");
        table.Add(0x2000, 0x100, "App.Worker", "Tier0Run");
        table.Add(0x3000, 0x80, "App.Worker", "Tier0Run");   // its tier-1 code: both versions stay
        table.Unload(0x1000);
        Assert.Equal("dynamicClass.Spin", table.Resolve(0x1010));
        table.EndPeriod();
        Assert.Null(table.Resolve(0x1010));
        Assert.Equal("App.Worker.Tier0Run", table.Resolve(0x2010));
        Assert.Equal("App.Worker.Tier0Run", table.Resolve(0x3010));
        Assert.Equal(2, table.Count);

        // The freed memory holds new code: it is named by its new method.
        table.Add(0x1000, 0x40, "dynamicClass", "Other");
        Assert.Equal("dynamicClass.Other", table.Resolve(0x1010));
    }
}
