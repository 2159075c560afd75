namespace Flamewatch.Contracts.Tests;

public sealed class PodAnnotationReaderTests
{
    private static Dictionary<string, string> Enabled(params (string Key, string Value)[] extra)
    {
        var annotations = new Dictionary<string, string> { [FlamewatchAnnotations.Enabled] = "true" };
        foreach (var (key, value) in extra)
        {
            annotations[key] = value;
        }

        return annotations;
    }

    [Fact]
    public void A_bare_opt_in_profiles_with_the_defaults()
    {
        var request = PodAnnotationReader.Read(Enabled(), "checkout");

        Assert.True(request.Enabled);
        Assert.Null(request.ManagedBy);
        Assert.Empty(request.Errors);
        Assert.Equal("checkout", request.Settings.ApplicationName);
        Assert.Equal(TimeSpan.FromSeconds(45), request.Settings.Period);
        Assert.Equal(TimeSpan.FromSeconds(10), request.Settings.UploadTimeout);
        Assert.Equal(100, request.Settings.SamplingFrequency);
        Assert.Equal(ProfileTypes.Default, request.Settings.ProfileTypes);
        Assert.Empty(request.Settings.Labels);
    }

    [Fact]
    public void Reads_every_setting()
    {
        var request = PodAnnotationReader.Read(
            Enabled(
                (FlamewatchAnnotations.ApplicationName, "orders"),
                (FlamewatchAnnotations.Period, "1m30s"),
                (FlamewatchAnnotations.UploadTimeout, "20s"),
                (FlamewatchAnnotations.SamplingFrequency, "250"),
                (FlamewatchAnnotations.ProfileTypes, "wall, cpu"),
                (FlamewatchAnnotations.Labels, """{"team":"orders","tier":"api"}"""),
                (FlamewatchAnnotations.ManagedBy, "orders-backend")),
            "pod-name");

        Assert.Empty(request.Errors);
        Assert.Equal("orders-backend", request.ManagedBy);
        Assert.Equal("orders", request.Settings.ApplicationName);
        Assert.Equal(TimeSpan.FromSeconds(90), request.Settings.Period);
        Assert.Equal(TimeSpan.FromSeconds(20), request.Settings.UploadTimeout);
        Assert.Equal(250, request.Settings.SamplingFrequency);
        Assert.Equal(ProfileTypes.Cpu | ProfileTypes.Wall, request.Settings.ProfileTypes);
        Assert.Equal(new Dictionary<string, string> { ["team"] = "orders", ["tier"] = "api" }, request.Settings.Labels);
    }

    public static TheoryData<string, string, string> BadValues => new()
    {
        { FlamewatchAnnotations.SamplingFrequency, "fast", "not a whole number" },
        { FlamewatchAnnotations.SamplingFrequency, "-5", "not a whole number" },
        { FlamewatchAnnotations.SamplingFrequency, "5000", "outside the allowed range" },
        { FlamewatchAnnotations.SamplingFrequency, "99999999999999999999", "not a whole number" },
        { FlamewatchAnnotations.Period, "-1s", "not a duration" },
        { FlamewatchAnnotations.Period, "5s", "outside the allowed range 10s to 10m" },
        { FlamewatchAnnotations.Period, "45", "expected a unit" },
        { FlamewatchAnnotations.Period, "9999999999999999999999999999h", "longer than 365 days" },
        { FlamewatchAnnotations.UploadTimeout, "0s", "greater than zero" },
        { FlamewatchAnnotations.UploadTimeout, "1m", "shorter than the period (45s)" },
        { FlamewatchAnnotations.ApplicationName, "", "1 to 100 characters" },
        { FlamewatchAnnotations.ProfileTypes, "cpu,gpu", "unknown profile type(s) \"gpu\"" },
        { FlamewatchAnnotations.ProfileTypes, "", "at least one profile type" },
        { FlamewatchAnnotations.Labels, "not json", "not valid JSON" },
        { FlamewatchAnnotations.Labels, "[1,2]", "must be a JSON object" },
        { FlamewatchAnnotations.Labels, """{"a":1}""", "\"a\" is not a string" },
        { FlamewatchAnnotations.Labels, """{"a":{"b":{"c":{"d":{"e":"f"}}}}}""", "not valid JSON" },
        { FlamewatchAnnotations.Labels, new string('x', 1_000_000), "more than the 65536 allowed" },
        { FlamewatchAnnotations.Enabled, "yes", "neither \"true\" nor \"false\"" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_bad_value_is_reported_against_its_key_and_replaced_by_the_default(string key, string value, string expectedFragment)
    {
        var annotations = Enabled();
        annotations[key] = value;

        var request = PodAnnotationReader.Read(annotations, "app");

        var error = Assert.Single(request.Errors);
        Assert.Equal(key, error.Source);
        Assert.Contains(expectedFragment, error.Message, StringComparison.Ordinal);
        var defaults = PodAnnotationReader.Read(Enabled(), "app").Settings;
        Assert.Equal(defaults with { ProfileTypes = request.Settings.ProfileTypes }, request.Settings);
    }

    [Fact]
    public void Exceptions_and_lock_contention_are_chosen_by_name()
    {
        var request = PodAnnotationReader.Read(Enabled((FlamewatchAnnotations.ProfileTypes, "lockContention,cpu,exceptions")), "app");

        Assert.Empty(request.Errors);
        Assert.Equal(ProfileTypes.Cpu | ProfileTypes.Exceptions | ProfileTypes.LockContention, request.Settings.ProfileTypes);
        Assert.Equal("cpu,exceptions,lockContention", request.Settings.ToAnnotations(null)[FlamewatchAnnotations.ProfileTypes]);
    }

    [Fact]
    public void Unknown_profile_types_are_skipped_but_known_ones_kept()
    {
        var request = PodAnnotationReader.Read(Enabled((FlamewatchAnnotations.ProfileTypes, "cpu,gpu,heapLiveSize")), "app");

        Assert.Equal(ProfileTypes.Cpu | ProfileTypes.HeapLiveSize, request.Settings.ProfileTypes);
        Assert.Single(request.Errors);
    }

    [Fact]
    public void A_labels_object_of_33_entries_is_ignored()
    {
        var json = "{" + string.Join(',', Enumerable.Range(0, 33).Select(i => $"\"k{i}\":\"v\"")) + "}";

        var request = PodAnnotationReader.Read(Enabled((FlamewatchAnnotations.Labels, json)), "app");

        Assert.Empty(request.Settings.Labels);
        Assert.Contains("33 labels is more than the maximum of 32", Assert.Single(request.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_period_caps_the_fallback_upload_timeout_below_it()
    {
        var request = PodAnnotationReader.Read(Enabled((FlamewatchAnnotations.Period, "10s")), "app");

        Assert.Empty(request.Errors);
        Assert.True(request.Settings.UploadTimeout < request.Settings.Period);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("false", false)]
    public void Enabled_only_with_true(string? value, bool expected)
    {
        var annotations = new Dictionary<string, string>();
        if (value is not null)
        {
            annotations[FlamewatchAnnotations.Enabled] = value;
        }

        var request = PodAnnotationReader.Read(annotations, "app");

        Assert.Equal(expected, request.Enabled);
        Assert.Empty(request.Errors);
    }

    [Fact]
    public void What_the_operator_writes_reads_back_unchanged()
    {
        var settings = new ProfilingSettings
        {
            ApplicationName = "orders",
            Period = TimeSpan.FromSeconds(90),
            UploadTimeout = TimeSpan.FromMilliseconds(12_500),
            SamplingFrequency = 7,
            ProfileTypes = ProfileTypes.AllocatedMemory | ProfileTypes.Wall,
            Labels = new Dictionary<string, string> { ["z"] = "1", ["a"] = "quote \" and \\ and ü" },
        };

        var annotations = settings.ToAnnotations("orders-backend");
        var request = PodAnnotationReader.Read(annotations, "other");

        Assert.Empty(request.Errors);
        Assert.True(request.Enabled);
        Assert.Equal("orders-backend", request.ManagedBy);
        Assert.Equal(settings, request.Settings);
        Assert.Equal("wall,allocatedMemory", annotations[FlamewatchAnnotations.ProfileTypes]);
        Assert.Equal("1m30s", annotations[FlamewatchAnnotations.Period]);
    }

    [Fact]
    public void A_hand_written_opt_in_is_user_managed_and_an_operator_one_is_not()
    {
        Assert.True(FlamewatchAnnotations.IsUserManaged(Enabled()));
        Assert.True(FlamewatchAnnotations.IsUserManaged(new Dictionary<string, string> { [FlamewatchAnnotations.Enabled] = "false" }));
        Assert.False(FlamewatchAnnotations.IsUserManaged(Enabled((FlamewatchAnnotations.ManagedBy, "p"))));
        Assert.False(FlamewatchAnnotations.IsUserManaged(new Dictionary<string, string>()));
        Assert.False(FlamewatchAnnotations.IsUserManaged(null));
    }
}
