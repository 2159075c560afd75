namespace Flamewatch.Kubernetes.Config;

/// <summary>
/// A token file (service-account projected token or kubeconfig <c>tokenFile</c>): re-read every
/// <see cref="RefreshPeriod"/> and after a 401, keeping the last good token when a read fails (client-go's cached file token source).
/// </summary>
internal sealed class FileTokenSource(string path, TimeProvider timeProvider) : IKubeTokenSource
{
    public static readonly TimeSpan RefreshPeriod = TimeSpan.FromMinutes(1);

    private readonly Lock _lock = new();
    private string? _token;
    private DateTimeOffset _readAt;

    public ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var now = timeProvider.GetUtcNow();
            if (_token is null || now - _readAt >= RefreshPeriod)
            {
                try
                {
                    var text = File.ReadAllText(path).Trim();
                    if (text.Length > 0)
                    {
                        _token = text;
                    }

                    _readAt = now;
                }
                catch (IOException) when (_token is not null)
                {
                }
                catch (UnauthorizedAccessException) when (_token is not null)
                {
                }
            }

            return ValueTask.FromResult(_token);
        }
    }

    public void Invalidate()
    {
        lock (_lock)
        {
            _readAt = DateTimeOffset.MinValue;
        }
    }
}
