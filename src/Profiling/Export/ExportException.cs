namespace Flamewatch.Profiling.Export;

/// <summary>An upload failed. <see cref="IsRetryable"/> tells a retrying decorator whether trying again can help.</summary>
public sealed class ExportException : Exception
{
    public ExportException(string message, bool isRetryable, int? statusCode = null, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, innerException)
    {
        IsRetryable = isRetryable;
        StatusCode = statusCode;
        RetryAfter = retryAfter;
    }

    /// <summary>False for answers that will not change (a 4xx other than 408/429): the upload is dropped.</summary>
    public bool IsRetryable { get; }

    /// <summary>The HTTP status the receiver answered with, if it answered.</summary>
    public int? StatusCode { get; }

    /// <summary>The receiver's <c>Retry-After</c>, if it sent one.</summary>
    public TimeSpan? RetryAfter { get; }
}
