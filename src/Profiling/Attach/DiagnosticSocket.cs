using System.Globalization;
using Flamewatch.Profiling.Os;
using Microsoft.Win32.SafeHandles;

namespace Flamewatch.Profiling.Attach;

/// <summary>
/// A target's diagnostic socket, held for the client that talks to it. The kernel resolves the socket's path again
/// inside the process's root (<see cref="InRootOpener"/>: <c>openat2</c> with <c>RESOLVE_IN_ROOT</c>), the socket is
/// pinned by an <c>O_PATH</c> descriptor, and the client connects through <c>/proc/self/fd/&lt;n&gt;</c>, which reaches
/// the socket that descriptor holds: every connection the client opens (one per command) lands on that socket, whatever
/// the container does to its paths meanwhile, and nothing outside the container's root is ever reached. Where
/// <c>openat2</c> is unavailable (<see cref="ByPathReason"/>), the path is resolved again in user space
/// (<see cref="DiagnosticSocketLocator.ResolveInRoot"/>) and connected to by name, which narrows the race but cannot close it.
/// Dispose once the client is no longer used; <see cref="Hold"/> keeps the descriptor for a use that may outlive its owner.
/// </summary>
internal sealed class DiagnosticSocket : IDisposable
{
    private static readonly IDisposable s_noHold = new Lease(null);

    private readonly SafeFileHandle? _handle;

    private DiagnosticSocket(string path, SafeFileHandle? handle, string? byPathReason)
    {
        Path = path;
        _handle = handle;
        ByPathReason = byPathReason;
        Address = handle is null ? path : string.Create(CultureInfo.InvariantCulture, $"/proc/self/fd/{handle.DangerousGetHandle()}");
    }

    /// <summary>The socket as discovery found it, through <c>/proc/&lt;pid&gt;/root</c>.</summary>
    public string Path { get; }

    /// <summary>What the client connects to: the pinning descriptor's <c>/proc/self/fd/&lt;n&gt;</c>, or <see cref="Path"/>.</summary>
    public string Address { get; }

    /// <summary>Why the socket is reached by path, not through a descriptor (openat2 unavailable); null when pinned.</summary>
    public string? ByPathReason { get; }

    /// <summary>
    /// Opens <paramref name="socketPath"/> (below <paramref name="root"/>, the process's <c>/proc/&lt;pid&gt;/root</c>)
    /// for connecting: it must resolve inside the root to a socket, not to a link nor any other file.
    /// </summary>
    /// <param name="kernelResolution">False resolves by path as where openat2 is unavailable (for tests).</param>
    /// <exception cref="UnauthorizedAccessException">The collector may not reach the process's root.</exception>
    /// <exception cref="IOException">The path does not resolve to a socket inside the root (any longer).</exception>
    public static DiagnosticSocket Open(string root, string socketPath, bool kernelResolution = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        if (!socketPath.StartsWith(root + "/", StringComparison.Ordinal))
        {
            throw new IOException($"{socketPath} is not inside the process's root {root}.");
        }

        var pathInRoot = socketPath[root.Length..];
        SafeFileHandle? rootHandle = null;
        var errno = kernelResolution ? InRootOpener.OpenRoot(root, out rootHandle) : InRootOpener.ENOSYS;
        if (errno == 0)
        {
            using (rootHandle)
            {
                errno = InRootOpener.OpenInRoot(rootHandle!, pathInRoot, out var handle);
                if (errno == 0)
                {
                    return Pinned(socketPath, handle!);
                }
            }
        }

        if (!InRootOpener.IsUnavailable(errno))
        {
            throw errno == InRootOpener.EACCES
                ? new UnauthorizedAccessException($"Permission denied opening {socketPath} ({InRootOpener.Describe(errno)}).")
                : new IOException($"{socketPath} does not resolve inside the process's root ({InRootOpener.Describe(errno)}).");
        }

        return ByPath(root, socketPath, pathInRoot, kernelResolution
            ? $"openat2 is unavailable ({InRootOpener.Describe(errno)})"
            : "openat2 is not used");
    }

    /// <summary>Keeps the descriptor open until the returned lease is disposed, even if this socket is disposed first.</summary>
    /// <exception cref="ObjectDisposedException">This socket was disposed and no lease holds it.</exception>
    public IDisposable Hold()
    {
        if (_handle is null)
        {
            return s_noHold;
        }

        var added = false;
        _handle.DangerousAddRef(ref added);
        return new Lease(_handle);
    }

    /// <summary>Closes the descriptor, at once or when the last lease ends.</summary>
    public void Dispose() => _handle?.Dispose();

    private static DiagnosticSocket Pinned(string socketPath, SafeFileHandle handle)
    {
        var type = InRootOpener.FileTypeOf(handle);
        if (type == InRootOpener.Socket)
        {
            return new DiagnosticSocket(socketPath, handle, null);
        }

        handle.Dispose();
        throw NotASocket(socketPath, type);
    }

    /// <summary>
    /// Where openat2 is unavailable: the socket's directory must still resolve to itself inside the root (no link put on
    /// the way), and the socket itself be a socket, not a link.
    /// </summary>
    private static DiagnosticSocket ByPath(string root, string socketPath, string pathInRoot, string reason)
    {
        var directory = DiagnosticSocketLocator.ResolveInRoot(root, System.IO.Path.GetDirectoryName(pathInRoot) ?? "/");
        if (directory + "/" + System.IO.Path.GetFileName(pathInRoot) != socketPath)
        {
            throw new IOException($"{socketPath} no longer resolves to itself inside the process's root (a link was put on the way).");
        }

        var type = InRootOpener.FileTypeOf(socketPath);
        return type == InRootOpener.Socket ? new DiagnosticSocket(socketPath, null, reason) : throw NotASocket(socketPath, type);
    }

    private static IOException NotASocket(string socketPath, int? type) => new(type switch
    {
        InRootOpener.SymbolicLink => $"{socketPath} is a symbolic link, which is never followed to a socket",
        null => $"{socketPath} cannot be examined",
        _ => $"{socketPath} is not a socket",
    });

    /// <summary>One <see cref="Hold"/>: releases its reference once.</summary>
    private sealed class Lease(SafeFileHandle? handle) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (handle is not null && Interlocked.Exchange(ref _released, 1) == 0)
            {
                handle.DangerousRelease();
            }
        }
    }
}
