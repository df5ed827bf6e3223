using System.Text.Json;

namespace Caravan.Messaging;

/// <summary>Everything that shapes one process's messaging.</summary>
public sealed class MessagingOptions
{
    /// <summary>The service's name; also the name of its own queue, where its commands and replies arrive.</summary>
    public string ServiceName { get; set; } = string.Empty;

    public RetryPolicy Retry { get; set; } = new();

    public OutboxOptions Outbox { get; } = new();

    public InboxOptions Inbox { get; } = new();

    /// <summary>How often queue depth and outbox backlog are measured for metrics.</summary>
    public TimeSpan MetricsInterval { get; set; } = TimeSpan.FromSeconds(5);

    public JsonSerializerOptions JsonSerializerOptions { get; set; } = new(JsonSerializerDefaults.Web);

    /// <summary>Consumer settings of each endpoint (queue) this process consumes, by queue name.</summary>
    public Dictionary<string, ConsumerOptions> Endpoints { get; } = new(StringComparer.Ordinal);
}
