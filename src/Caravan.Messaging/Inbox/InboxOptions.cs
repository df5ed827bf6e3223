namespace Caravan.Messaging;

/// <summary>How long the inbox remembers handled message ids.</summary>
public sealed class InboxOptions
{
    /// <summary>
    /// A duplicate that arrives later than this after the original was handled is no longer
    /// recognised. Keep it well above the longest time a message can spend in retries and dead letters.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromHours(1);
}
