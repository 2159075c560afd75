using System.Net.Http.Headers;
using k8s.Authentication;

namespace Flamewatch.Kubernetes.Client;

/// <summary>
/// The in-cluster bearer token, read from the projected service-account file. Like the official client's token file
/// it is re-read every minute (the kubelet rotates it); unlike it, <see cref="Refresh"/> re-reads it at once, which
/// <see cref="ApiRequestHandler"/> does after a 401 before retrying the request once. A file that cannot be read keeps
/// the last token that could.
/// </summary>
public sealed class ServiceAccountToken : ITokenProvider
{
    /// <summary>How long a token read from the file is used before the file is read again.</summary>
    public static readonly TimeSpan ReReadInterval = TimeSpan.FromMinutes(1);

    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private string? _token;
    private DateTimeOffset _readAt;

    public ServiceAccountToken(string path, TimeProvider? time = null)
    {
        _path = path;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The token file's path.</summary>
    public string Path => _path;

    public Task<AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_token is null || _time.GetUtcNow() - _readAt >= ReReadInterval)
            {
                Read();
            }

            return Task.FromResult(new AuthenticationHeaderValue("Bearer", _token ?? string.Empty));
        }
    }

    /// <summary>Re-reads the file now; true when it holds a different token than the one last used.</summary>
    public bool Refresh()
    {
        lock (_lock)
        {
            var previous = _token;
            Read();
            return _token != previous;
        }
    }

    private void Read()
    {
        try
        {
            var token = File.ReadAllText(_path).Trim();
            if (token.Length > 0)
            {
                _token = token;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        _readAt = _time.GetUtcNow();
    }
}
