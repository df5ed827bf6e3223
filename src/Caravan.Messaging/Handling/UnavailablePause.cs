namespace Caravan.Messaging;

/// <summary>
/// When a queue's consumer stops fetching because the service's database could not be reached: each pause lasts
/// <see cref="RetryPolicy.GetUnavailablePause"/> for the number of pauses in a row, and a handled message resets the
/// count. A batch that meets the outage while a pause lasts was fetched before it and starts no new one, so a short
/// outage does not leave the consumer asleep long after it. Thread-safe: the workers start pauses, the fetch loop waits.
/// </summary>
internal sealed class UnavailablePause(RetryPolicy retry, TimeProvider timeProvider, IRandomSource random)
{
    private int _inARow;
    private long _until;

    /// <summary>How long the current pause still lasts (zero when none does).</summary>
    public TimeSpan Remaining
    {
        get
        {
            var until = Interlocked.Read(ref _until);
            var now = timeProvider.GetTimestamp();
            return until > now ? TimeSpan.FromSeconds((until - now) / (double)timeProvider.TimestampFrequency) : TimeSpan.Zero;
        }
    }

    /// <summary>Starts the next pause unless one lasts; false when one did (or a concurrent call started a longer one).</summary>
    public bool TryStart(out int inARow, out TimeSpan pause)
    {
        inARow = 0;
        pause = TimeSpan.Zero;
        if (Remaining > TimeSpan.Zero)
        {
            return false;
        }

        inARow = Interlocked.Increment(ref _inARow);
        pause = retry.GetUnavailablePause(inARow, random.NextDouble());
        var until = timeProvider.GetTimestamp() + (long)(pause.TotalSeconds * timeProvider.TimestampFrequency);
        long current;
        do
        {
            current = Interlocked.Read(ref _until);
            if (current >= until)
            {
                return false;
            }
        }
        while (Interlocked.CompareExchange(ref _until, until, current) != current);

        return true;
    }

    /// <summary>A message was handled: the next pause starts from the first again.</summary>
    public void Reset() => Volatile.Write(ref _inARow, 0);
}
