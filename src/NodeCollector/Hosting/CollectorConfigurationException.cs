namespace Flamewatch.NodeCollector.Hosting;

/// <summary>The collector cannot start with the configuration it was given; the message says what to fix.</summary>
internal sealed class CollectorConfigurationException(string message, Exception? innerException = null) : Exception(message, innerException);
