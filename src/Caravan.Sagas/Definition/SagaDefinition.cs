using System.Text.Json;

namespace Caravan.Sagas;

/// <summary>What a saga hook sees: the data, the instance, and the transaction the transition commits in.</summary>
public sealed record SagaHookContext<TData>(TData Data, SagaInstance Instance, ISagaTransaction Transaction, DateTimeOffset Now);

/// <summary>The non-generic face of a saga definition, for the registry and the runtime.</summary>
public abstract class SagaDefinition
{
    private protected SagaDefinition(string name) => Name = name;

    /// <summary>Stored with every instance; never change it once instances exist.</summary>
    public string Name { get; }

    public abstract IReadOnlyList<string> StepNames { get; }

    /// <summary>Every reply type any step listens for.</summary>
    internal abstract IReadOnlyCollection<Type> ReplyTypes { get; }

    internal abstract Task<SagaOutcome> OnReplyAsync(SagaInstance instance, object reply, Guid? inReplyTo, SagaRun run, CancellationToken cancellationToken);

    internal abstract Task<SagaOutcome> OnTimeoutAsync(SagaInstance instance, SagaTimeout timeout, SagaRun run, CancellationToken cancellationToken);

    internal abstract Task RetryAsync(SagaInstance instance, SagaRun run, CancellationToken cancellationToken);

    internal abstract Task ResolveAsync(SagaInstance instance, string note, SagaRun run, CancellationToken cancellationToken);
}

/// <summary>Whether a message changed the saga.</summary>
internal enum SagaOutcome
{
    Applied,

    /// <summary>A late, duplicate or unexpected message: nothing changed.</summary>
    Ignored,
}

/// <summary>What a transition runs with: its transaction, the clock's now, randomness for jitter, and the orchestrator's own queue (for timeouts).</summary>
internal sealed record SagaRun(ISagaTransaction Transaction, DateTimeOffset Now, Func<double> Random, string OwnQueue);

/// <summary>
/// An orchestrated saga: steps run in order, each by sending a command and waiting for its reply; when
/// one fails, the completed steps are compensated in reverse order. Build one with <see cref="Saga.Define{TData}"/>.
/// </summary>
/// <typeparam name="TData">The saga's data, stored as JSON with each instance.</typeparam>
public sealed partial class SagaDefinition<TData> : SagaDefinition
    where TData : class
{
    private static readonly JsonSerializerOptions DataJson = new(JsonSerializerDefaults.Web);
    private readonly List<SagaStep<TData>> _steps = [];
    private Func<SagaHookContext<TData>, CancellationToken, Task>? _onCompleted;
    private Func<SagaHookContext<TData>, CancellationToken, Task>? _onCompensating;
    private Func<SagaHookContext<TData>, CancellationToken, Task>? _onCompensated;
    private Func<SagaHookContext<TData>, CancellationToken, Task>? _onStuck;
    private Func<SagaHookContext<TData>, CancellationToken, Task>? _onResolved;

    internal SagaDefinition(string name)
        : base(name)
    {
    }

    public override IReadOnlyList<string> StepNames => _steps.Select(step => step.Name).ToList();

    public IReadOnlyList<SagaStep<TData>> Steps => _steps;

    internal override IReadOnlyCollection<Type> ReplyTypes => _steps.SelectMany(step => step.Replies.Keys).Distinct().ToList();

    /// <summary>Adds a step; <paramref name="configure"/> names its action, replies, compensation, timeout and retries.</summary>
    public SagaDefinition<TData> Step(string name, Action<SagaStep<TData>> configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        if (_steps.Any(step => step.Name == name))
        {
            throw new ArgumentException($"Saga '{Name}' already has a step named '{name}'.", nameof(name));
        }

        var step = new SagaStep<TData>(name);
        configure(step);
        if (step.Action is null)
        {
            throw new ArgumentException($"Step '{name}' of saga '{Name}' has no action: call Send.", nameof(configure));
        }

        if (!step.Replies.Values.Any(rule => rule.Kind == ReplyKind.Success))
        {
            throw new ArgumentException($"Step '{name}' of saga '{Name}' has no success reply: call OnSuccess.", nameof(configure));
        }

        if (step.HasCompensation && !step.Replies.Values.Any(rule => rule.Kind == ReplyKind.Compensated))
        {
            throw new ArgumentException($"Step '{name}' of saga '{Name}' has a compensation but no compensated reply: call OnCompensated.", nameof(configure));
        }

        _steps.Add(step);
        return this;
    }

    /// <summary>Runs in the transaction that completes the saga (every step succeeded).</summary>
    public SagaDefinition<TData> OnCompleted(Func<SagaHookContext<TData>, CancellationToken, Task> hook)
    {
        _onCompleted = hook;
        return this;
    }

    /// <summary>Runs in the transaction where a step failed and compensation begins.</summary>
    public SagaDefinition<TData> OnCompensating(Func<SagaHookContext<TData>, CancellationToken, Task> hook)
    {
        _onCompensating = hook;
        return this;
    }

    /// <summary>Runs in the transaction where the last compensation is done.</summary>
    public SagaDefinition<TData> OnCompensated(Func<SagaHookContext<TData>, CancellationToken, Task> hook)
    {
        _onCompensated = hook;
        return this;
    }

    /// <summary>Runs in the transaction where a compensation gave up and the saga became stuck.</summary>
    public SagaDefinition<TData> OnStuck(Func<SagaHookContext<TData>, CancellationToken, Task> hook)
    {
        _onStuck = hook;
        return this;
    }

    /// <summary>Runs in the transaction where an operator marked a stuck saga resolved.</summary>
    public SagaDefinition<TData> OnResolved(Func<SagaHookContext<TData>, CancellationToken, Task> hook)
    {
        _onResolved = hook;
        return this;
    }

    public TData ReadData(SagaInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return JsonSerializer.Deserialize<TData>(instance.Data, DataJson)
            ?? throw new InvalidOperationException($"Saga {instance.Id} has no data.");
    }
}

/// <summary>Entry point for defining sagas.</summary>
public static class Saga
{
    /// <summary>Starts the definition of a saga named <paramref name="name"/> whose data is <typeparamref name="TData"/>.</summary>
    public static SagaDefinition<TData> Define<TData>(string name)
        where TData : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new SagaDefinition<TData>(name);
    }
}
