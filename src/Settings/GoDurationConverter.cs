using System.ComponentModel;
using System.Globalization;

namespace Flamewatch.Settings;

/// <summary>
/// Converts configuration text to <see cref="TimeSpan"/> with <see cref="GoDuration.TryParseOption"/>, so that every
/// duration flag and configuration key of the executables takes <c>10s</c>, <c>1.5s</c> or <c>168h</c> (and the legacy
/// <c>7.00:00:00</c>). <see cref="Register"/> installs it for the configuration binder.
/// </summary>
public sealed class GoDurationConverter : TimeSpanConverter
{
    private static int s_registered;

    /// <summary>Makes <see cref="TypeDescriptor.GetConverter(Type)"/> return this converter for <see cref="TimeSpan"/> (once per process).</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 0)
        {
            TypeDescriptor.AddAttributes(typeof(TimeSpan), new TypeConverterAttribute(typeof(GoDurationConverter)));
        }
    }

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string text
            ? GoDuration.TryParseOption(text, out var duration, out var error) ? duration : throw new FormatException(error)
            : base.ConvertFrom(context, culture, value);

    public override object? ConvertTo(ITypeDescriptorContext? context, CultureInfo? culture, object? value, Type destinationType) =>
        value is TimeSpan duration && destinationType == typeof(string) ? GoDuration.Format(duration) : base.ConvertTo(context, culture, value, destinationType);
}
