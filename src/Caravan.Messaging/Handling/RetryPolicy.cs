namespace Caravan.Messaging;

/// <summary>
/// How a failing message is retried, as in the guide but durable: a few immediate retries in the
/// consumer, then delayed retries whose delay doubles (about 2^n × <see cref="BaseDelay"/>, with
/// jitter so that a burst of failures does not retry in lockstep), then the dead-letter queue.
/// </summary>
public sealed record RetryPolicy
{
    /// <summary>Retries right after a failure, inside one delivery.</summary>
    public int ImmediateRetries { get; init; } = 2;

    /// <summary>Deliveries rescheduled after a growing delay once the immediate retries are spent.</summary>
    public int DelayedRetries { get; init; } = 3;

    /// <summary>The n-th delayed retry waits about BaseDelay × 2^n (2 s, 4 s, 8 s by default).</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Each delay is moved at random by up to ± this fraction of itself.</summary>
    public double JitterFactor { get; init; } = 0.2;

    /// <summary>The delay before delayed retry number <paramref name="retry"/> (1-based).</summary>
    /// <param name="retry">1 for the first delayed retry.</param>
    /// <param name="random">A value in [0, 1) from the injected random source.</param>
    public TimeSpan GetDelay(int retry, double random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);
        return Doubling(BaseDelay, retry, MaxDelay, random);
    }

    /// <summary><paramref name="first"/> × 2^<paramref name="doublings"/>, moved at random by ± <see cref="JitterFactor"/>, at most <paramref name="max"/>.</summary>
    private TimeSpan Doubling(TimeSpan first, int doublings, TimeSpan max, double random)
    {
        var exponential = first.TotalMilliseconds * Math.Pow(2, Math.Min(doublings, 30));
        var jitter = 1 + (JitterFactor * ((random * 2) - 1));
        return TimeSpan.FromMilliseconds(Math.Max(0, Math.Min(exponential * jitter, max.TotalMilliseconds)));
    }

    /// <summary>
    /// Conflicts between concurrent transactions (a deadlock, SQLSTATE 40P01, or a serialization failure, 40001; see
    /// <see cref="IsConflict"/>) retried on the spot before the failure counts as an attempt: the database rolled the
    /// transaction back to let another one go on, and the same work usually succeeds right after.
    /// </summary>
    public int ConflictRetries { get; init; } = 5;

    /// <summary>The n-th conflict retry waits about ConflictDelay × 2^(n-1), moved at random between half and one and a half times that.</summary>
    public TimeSpan ConflictDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The wait before conflict retry number <paramref name="retry"/> (1-based); <paramref name="random"/> in [0, 1).</summary>
    public TimeSpan GetConflictDelay(int retry, double random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);
        return TimeSpan.FromMilliseconds(ConflictDelay.TotalMilliseconds * Math.Pow(2, Math.Min(retry - 1, 10)) * (0.5 + random));
    }

    /// <summary>
    /// Whether <paramref name="exception"/> (or one it wraps) is a database's verdict on concurrent transactions rather than
    /// on the message: a deadlock (SQLSTATE 40P01) or a serialization failure (40001).
    /// </summary>
    public static bool IsConflict(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is System.Data.Common.DbException { SqlState: "40P01" or "40001" })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// How long a queue's consumer stops taking messages after the service's database could not be reached (see
    /// <see cref="IsUnavailable"/>); each further time in a row doubles it, up to <see cref="MaxUnavailablePause"/>. The
    /// messages it had taken are given back without counting an attempt, so an outage of any length dead-letters nothing.
    /// </summary>
    public TimeSpan UnavailablePause { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxUnavailablePause { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The pause after the <paramref name="inARow"/>-th unreachable database in a row (1-based), moved at random by ± <see cref="JitterFactor"/>.</summary>
    public TimeSpan GetUnavailablePause(int inARow, double random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inARow, 1);
        return Doubling(UnavailablePause, inARow - 1, MaxUnavailablePause, random);
    }

    /// <summary>
    /// Whether <paramref name="exception"/> (or one it wraps) says that a database could not be reached, rather than
    /// anything about the message: a connection exception (SQLSTATE class 08), a server shutting down or starting up
    /// (57P01, 57P02, 57P03), too many connections (53300), or a socket or stream error under a database exception (the
    /// server went away mid-conversation). Timeouts are not included: a query that is too slow for one message is that
    /// message's failure, and it must still reach the dead-letter queue.
    /// </summary>
    public static bool IsUnavailable(Exception? exception)
    {
        var underDatabaseException = false;
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case System.Data.Common.DbException { SqlState: { } state }
                    when state.StartsWith("08", StringComparison.Ordinal) || state is "57P01" or "57P02" or "57P03" or "53300":
                    return true;
                case System.Data.Common.DbException:
                    underDatabaseException = true;
                    break;
                case System.Net.Sockets.SocketException when underDatabaseException:
                    return true;
                case IOException when underDatabaseException && current is not FileNotFoundException and not DirectoryNotFoundException:
                    return true;
            }
        }

        return false;
    }

    /// <summary>How many times a message is handled before it is dead-lettered for good.</summary>
    public int TotalAttempts => (ImmediateRetries + 1) * (DelayedRetries + 1);
}
