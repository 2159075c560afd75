using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Flamewatch.Profiling.Os;

/// <summary>
/// Opens a path inside a directory taken as the root, resolved by the kernel: <c>openat2(2)</c> with
/// <c>RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS</c> on a descriptor of the root, so that absolute links and <c>..</c>
/// stay inside it however the tree changes meanwhile (Linux 5.6 and later). The descriptors are <c>O_PATH</c>: they
/// pin a file without opening it for reading or writing. Errors are returned as <c>errno</c> values; a
/// <see cref="IsUnavailable"/> one means the kernel has no <c>openat2</c> (<c>ENOSYS</c>), a seccomp filter refuses it
/// (<c>EPERM</c>), or this architecture is not wired for it.
/// </summary>
internal static partial class InRootOpener
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EACCES = 13;
    public const int ENOSYS = 38;
    private const int EAGAIN = 11;

    /// <summary>The file-type bits of <c>st_mode</c>, and two of their values.</summary>
    public const int FileTypeMask = 0xF000;
    public const int Socket = 0xC000;
    public const int SymbolicLink = 0xA000;

    /// <summary><c>openat2</c>'s number, the same on x86-64 and arm64 (the syscall table shared by every architecture since 5.1).</summary>
    private const long Openat2 = 437;
    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const ulong OPath = 0x200000;
    private const ulong OCloexec = 0x80000;
    private const ulong ResolveNoMagicLinks = 0x02;
    private const ulong ResolveInRoot = 0x10;

    /// <summary>A rename or mount elsewhere may make a resolution inside a root fail with EAGAIN; it is tried again this often.</summary>
    private const int MaxAttempts = 8;

    /// <summary><c>O_DIRECTORY</c> and <c>O_NOFOLLOW</c>, which differ between x86-64 and arm64; null on other architectures.</summary>
    private static readonly (ulong Directory, ulong NoFollow)? s_flags = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => (0x10000, 0x20000),
        Architecture.Arm64 => (0x4000, 0x8000),
        _ => null,
    };

    /// <summary>Whether an error says openat2 cannot be used here at all (rather than about the path).</summary>
    public static bool IsUnavailable(int errno) => errno is ENOSYS or EPERM;

    /// <summary>
    /// Opens <paramref name="directory"/> (a path of the collector's, such as <c>/proc/&lt;pid&gt;/root</c>, whose magic
    /// link is followed) as a root for <see cref="OpenInRoot"/>. 0 or the errno.
    /// </summary>
    public static int OpenRoot(string directory, out SafeFileHandle? handle)
    {
        if (s_flags is not { } flags)
        {
            handle = null;
            return ENOSYS;
        }

        return Open(AtFdCwd, directory, new OpenHow(OPath | OCloexec | flags.Directory, 0), out handle);
    }

    /// <summary>
    /// Opens <paramref name="path"/> as if <paramref name="root"/> were <c>/</c>, with no magic link on the way and the last
    /// component itself never followed (a link is returned as the link). 0 or the errno.
    /// </summary>
    public static int OpenInRoot(SafeFileHandle root, string path, out SafeFileHandle? handle)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (s_flags is not { } flags)
        {
            handle = null;
            return ENOSYS;
        }

        var added = false;
        root.DangerousAddRef(ref added);
        try
        {
            var how = new OpenHow(OPath | OCloexec | flags.NoFollow, ResolveInRoot | ResolveNoMagicLinks);
            var errno = EAGAIN;
            handle = null;
            for (var attempt = 0; attempt < MaxAttempts && errno == EAGAIN; attempt++)
            {
                errno = Open((int)root.DangerousGetHandle(), path, how, out handle);
            }

            return errno;
        }
        finally
        {
            root.DangerousRelease();
        }
    }

    /// <summary>The file type (<see cref="FileTypeMask"/> bits of its mode) of what the descriptor holds; null when unreadable.</summary>
    public static int? FileTypeOf(SafeFileHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            return StatxFile((int)handle.DangerousGetHandle(), string.Empty, AtEmptyPath, StatxType, out var status) == 0
                ? status.Mode & FileTypeMask
                : null;
        }
        finally
        {
            handle.DangerousRelease();
        }
    }

    /// <summary>The file type of <paramref name="path"/> itself (a link is not followed); null when unreadable.</summary>
    public static int? FileTypeOf(string path) =>
        StatxFile(AtFdCwd, path, AtSymlinkNoFollow, StatxType, out var status) == 0 ? status.Mode & FileTypeMask : null;

    /// <summary>The error text of an errno value.</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    private static int Open(int directory, string path, OpenHow how, out SafeFileHandle? handle)
    {
        var fd = Syscall(Openat2, directory, path, ref how, (nuint)Marshal.SizeOf<OpenHow>());
        if (fd < 0)
        {
            handle = null;
            return Marshal.GetLastPInvokeError();
        }

        handle = new SafeFileHandle((nint)fd, ownsHandle: true);
        return 0;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial long Syscall(long number, int directory, string path, ref OpenHow how, nuint size);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatxFile(int directory, string path, int flags, uint mask, out Statx status);

    /// <summary><c>struct open_how</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct OpenHow(ulong flags, ulong resolve)
    {
        public readonly ulong Flags = flags;
        public readonly ulong Mode = 0;
        public readonly ulong Resolve = resolve;
    }

    /// <summary><c>struct statx</c> (the same layout on every architecture, 256 bytes), of which only <c>stx_mode</c> is read.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct Statx
    {
        [FieldOffset(28)]
        public ushort Mode;
    }
}
