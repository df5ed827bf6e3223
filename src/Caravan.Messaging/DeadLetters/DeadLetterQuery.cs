namespace Caravan.Messaging;

/// <summary>A filter over dead letters; every criterion left null matches everything.</summary>
public sealed record DeadLetterQuery
{
    public string? Queue { get; init; }

    public string? MessageType { get; init; }

    /// <summary>Dead-lettered at or after this moment.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Dead-lettered before this moment.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Only dead letters with an id greater than this (keyset paging).</summary>
    public long? AfterId { get; init; }

    /// <summary>At most this many; null means no limit, except that a listing returns <see cref="DefaultListLimit"/> at most.</summary>
    public int? Limit { get; init; }

    public const int DefaultListLimit = 100;

    public static DeadLetterQuery All { get; } = new();
}
