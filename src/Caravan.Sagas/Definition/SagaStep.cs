namespace Caravan.Sagas;

/// <summary>A command a step sends, with the typed send bound to it.</summary>
internal sealed record SagaCommand(object Message, Func<ISagaTransaction, Caravan.Messaging.MessageOptions, Guid> Send);

internal enum ReplyKind
{
    Success,
    Failure,
    Compensated,
    CompensationFailed,
}

/// <summary>What a reply type means to a step.</summary>
internal sealed record ReplyRule<TData>(ReplyKind Kind, Action<TData, object>? Apply, Func<object, string>? Reason);

/// <summary>
/// One step of a saga, as in the guide's <c>SagaStep(name, action, compensation)</c>: the command
/// that does the work, the replies that say it worked or failed, the command that undoes it, how long
/// to wait for a reply and how often to try again.
/// </summary>
public sealed class SagaStep<TData>
{
    internal SagaStep(string name) => Name = name;

    public string Name { get; }

    internal Func<TData, SagaCommand>? Action { get; set; }

    internal Func<TData, SagaCommand>? Compensation { get; set; }

    internal Dictionary<Type, ReplyRule<TData>> Replies { get; } = [];

    public TimeSpan Timeout { get; private set; } = TimeSpan.FromSeconds(30);

    public SagaRetryPolicy Retry { get; private set; } = new();

    public SagaRetryPolicy CompensationRetry { get; private set; } = new() { MaxAttempts = 10, Backoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromMinutes(1) };

    public bool HasCompensation => Compensation is not null;

    /// <summary>The command that performs the step, built from the saga's data.</summary>
    public SagaStep<TData> Send<TCommand>(Func<TData, TCommand> action)
        where TCommand : notnull
    {
        ArgumentNullException.ThrowIfNull(action);
        Action = data => Command(action(data));
        return this;
    }

    /// <summary>A reply that means the step succeeded; <paramref name="apply"/> may copy results into the saga's data.</summary>
    public SagaStep<TData> OnSuccess<TReply>(Action<TData, TReply>? apply = null)
    {
        AddRule(typeof(TReply), new ReplyRule<TData>(ReplyKind.Success, apply is null ? null : (data, reply) => apply(data, (TReply)reply), null));
        return this;
    }

    /// <summary>A reply that means the step failed (a business outcome: not retried); the saga compensates.</summary>
    public SagaStep<TData> OnFailure<TReply>(Func<TReply, string> reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        AddRule(typeof(TReply), new ReplyRule<TData>(ReplyKind.Failure, null, reply => reason((TReply)reply)));
        return this;
    }

    /// <summary>The command that undoes the step. It must be idempotent and safe when the action never happened.</summary>
    public SagaStep<TData> Compensate<TCommand>(Func<TData, TCommand> compensation)
        where TCommand : notnull
    {
        ArgumentNullException.ThrowIfNull(compensation);
        Compensation = data => Command(compensation(data));
        return this;
    }

    /// <summary>A reply that means the compensation is done.</summary>
    public SagaStep<TData> OnCompensated<TReply>()
    {
        AddRule(typeof(TReply), new ReplyRule<TData>(ReplyKind.Compensated, null, null));
        return this;
    }

    /// <summary>A reply that means the compensation failed this time; it is retried with backoff.</summary>
    public SagaStep<TData> OnCompensationFailure<TReply>(Func<TReply, string> reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        AddRule(typeof(TReply), new ReplyRule<TData>(ReplyKind.CompensationFailed, null, reply => reason((TReply)reply)));
        return this;
    }

    /// <summary>How long to wait for a reply to the action or the compensation before trying again.</summary>
    public SagaStep<TData> WithTimeout(TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        Timeout = timeout;
        return this;
    }

    /// <summary>How often the action is sent when no reply comes; after the last attempt the step fails and the saga compensates (this step included, as its outcome is unknown).</summary>
    public SagaStep<TData> WithRetry(SagaRetryPolicy retry)
    {
        ArgumentNullException.ThrowIfNull(retry);
        Retry = retry;
        return this;
    }

    /// <summary>How often the compensation is retried before the saga becomes <see cref="SagaStatus.Stuck"/>.</summary>
    public SagaStep<TData> WithCompensationRetry(SagaRetryPolicy retry)
    {
        ArgumentNullException.ThrowIfNull(retry);
        CompensationRetry = retry;
        return this;
    }

    private void AddRule(Type replyType, ReplyRule<TData> rule)
    {
        if (!Replies.TryAdd(replyType, rule))
        {
            throw new ArgumentException($"Step '{Name}' already gives {replyType.Name} a meaning ({Replies[replyType].Kind}); a reply type can mean one thing only.");
        }
    }

    private static SagaCommand Command<TCommand>(TCommand message)
        where TCommand : notnull =>
        new(message, (transaction, options) => transaction.Send(message, options));
}
