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
public sealed class SagaDefinition<TData> : SagaDefinition
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

    /// <summary>Creates the instance and sends the first step's command, in <paramref name="run"/>'s transaction.</summary>
    internal SagaInstance Start(Guid sagaId, TData data, SagaRun run)
    {
        if (_steps.Count == 0)
        {
            throw new InvalidOperationException($"Saga '{Name}' has no steps.");
        }

        var instance = new SagaInstance
        {
            Id = sagaId,
            Definition = Name,
            Status = SagaStatus.Running,
            Data = Serialize(data),
            Steps = _steps.Select(step => new SagaStepState { Name = step.Name, Status = SagaStepStatus.Pending }).ToList(),
            Phase = SagaPhase.Forward,
            CreatedAt = run.Now,
            UpdatedAt = run.Now,
        };
        SendAction(instance, data, 0, TimeSpan.Zero, run);
        instance.Data = Serialize(data);
        return instance;
    }

    internal override async Task<SagaOutcome> OnReplyAsync(SagaInstance instance, object reply, Guid? inReplyTo, SagaRun run, CancellationToken cancellationToken)
    {
        if (instance.IsFinal || inReplyTo is not { } requestId || !instance.AwaitedCommands.Contains(requestId))
        {
            return SagaOutcome.Ignored;
        }

        var step = _steps[instance.CurrentStep];
        if (!step.Replies.TryGetValue(reply.GetType(), out var rule))
        {
            return SagaOutcome.Ignored;
        }

        var data = ReadData(instance);
        var state = instance.Steps[instance.CurrentStep];
        switch (instance.Phase, rule.Kind)
        {
            case (SagaPhase.Forward, ReplyKind.Success) when instance.Status == SagaStatus.Running:
                rule.Apply?.Invoke(data, reply);
                state.Status = SagaStepStatus.Completed;
                state.Reason = null;
                instance.AwaitedCommands.Clear();
                await AdvanceAsync(instance, data, instance.CurrentStep + 1, run, cancellationToken);
                break;

            case (SagaPhase.Forward, ReplyKind.Failure) when instance.Status == SagaStatus.Running:
                var reason = rule.Reason!(reply);
                state.Status = SagaStepStatus.Failed;
                state.Reason = reason;
                instance.FailureReason = $"{step.Name}: {reason}";
                instance.AwaitedCommands.Clear();
                await BeginCompensationAsync(instance, data, instance.CurrentStep - 1, run, cancellationToken);
                break;

            case (SagaPhase.Compensation, ReplyKind.Compensated) when instance.Status is SagaStatus.Compensating or SagaStatus.Stuck:
                state.Status = SagaStepStatus.Compensated;
                state.Reason = null;
                instance.AwaitedCommands.Clear();
                instance.Status = SagaStatus.Compensating;
                instance.StuckReason = null;
                await CompensateNextAsync(instance, data, instance.CurrentStep - 1, run, cancellationToken);
                break;

            case (SagaPhase.Compensation, ReplyKind.CompensationFailed) when instance.Status == SagaStatus.Compensating:
                instance.AwaitedCommands.Remove(requestId);
                await RetryCompensationOrStickAsync(instance, data, step, rule.Reason!(reply), run, cancellationToken);
                break;

            default:
                return SagaOutcome.Ignored;
        }

        Touch(instance, data, run);
        return SagaOutcome.Applied;
    }

    internal override async Task<SagaOutcome> OnTimeoutAsync(SagaInstance instance, SagaTimeout timeout, SagaRun run, CancellationToken cancellationToken)
    {
        if (instance.IsFinal
            || instance.Status == SagaStatus.Stuck
            || timeout.Step != instance.CurrentStep
            || timeout.Phase != instance.Phase
            || timeout.Attempt != instance.Attempt
            || (timeout.Command is { } command && (instance.AwaitedCommands.Count == 0 || instance.AwaitedCommands[^1] != command)))
        {
            return SagaOutcome.Ignored;
        }

        var data = ReadData(instance);
        var step = _steps[instance.CurrentStep];
        var state = instance.Steps[instance.CurrentStep];
        if (instance.Phase == SagaPhase.Forward)
        {
            if (state.Attempts < step.Retry.MaxAttempts)
            {
                state.Reason = $"no reply within {step.Timeout.TotalSeconds:0.###} s (attempt {state.Attempts}); retrying";
                SendAction(instance, data, instance.CurrentStep, step.Retry.DelayBefore(state.Attempts + 1, run.Random()), run);
            }
            else
            {
                var reason = $"no reply after {state.Attempts} attempt(s)";
                state.Status = SagaStepStatus.Failed;
                state.Uncertain = true;
                state.Reason = reason;
                instance.FailureReason = $"{step.Name}: {reason}";
                instance.AwaitedCommands.Clear();

                // Its outcome is unknown (the command may have been handled, its reply lost or late),
                // so this step is compensated too; compensations are safe when the action never happened.
                await BeginCompensationAsync(instance, data, instance.CurrentStep, run, cancellationToken);
            }
        }
        else
        {
            await RetryCompensationOrStickAsync(
                instance, data, step, $"no reply to the compensation within {step.Timeout.TotalSeconds:0.###} s", run, cancellationToken);
        }

        Touch(instance, data, run);
        return SagaOutcome.Applied;
    }

    internal override Task RetryAsync(SagaInstance instance, SagaRun run, CancellationToken cancellationToken)
    {
        if (instance.Status != SagaStatus.Stuck)
        {
            throw new SagaStateException($"Saga {instance.Id} is {instance.Status}; only a stuck saga can be retried.");
        }

        var data = ReadData(instance);
        instance.Status = SagaStatus.Compensating;
        instance.StuckReason = null;
        instance.Steps[instance.CurrentStep].CompensationAttempts = 0;
        SendCompensation(instance, data, instance.CurrentStep, TimeSpan.Zero, run);
        Touch(instance, data, run);
        return Task.CompletedTask;
    }

    internal override async Task ResolveAsync(SagaInstance instance, string note, SagaRun run, CancellationToken cancellationToken)
    {
        if (instance.Status != SagaStatus.Stuck)
        {
            throw new SagaStateException($"Saga {instance.Id} is {instance.Status}; only a stuck saga can be marked resolved.");
        }

        var data = ReadData(instance);
        instance.Status = SagaStatus.Resolved;
        instance.StuckReason = null;
        instance.AwaitedCommands.Clear();
        instance.Steps[instance.CurrentStep].Reason = $"resolved by an operator: {note}";
        await RunHookAsync(_onResolved, instance, data, run, cancellationToken);
        Touch(instance, data, run);
    }

    private async Task AdvanceAsync(SagaInstance instance, TData data, int next, SagaRun run, CancellationToken cancellationToken)
    {
        if (next < _steps.Count)
        {
            SendAction(instance, data, next, TimeSpan.Zero, run);
            return;
        }

        instance.Status = SagaStatus.Completed;
        await RunHookAsync(_onCompleted, instance, data, run, cancellationToken);
    }

    private async Task BeginCompensationAsync(SagaInstance instance, TData data, int from, SagaRun run, CancellationToken cancellationToken)
    {
        instance.Status = SagaStatus.Compensating;
        instance.Phase = SagaPhase.Compensation;
        await RunHookAsync(_onCompensating, instance, data, run, cancellationToken);
        await CompensateNextAsync(instance, data, from, run, cancellationToken);
    }

    /// <summary>Sends the compensation of the nearest step at or before <paramref name="from"/> that needs one, or ends the saga as compensated.</summary>
    private async Task CompensateNextAsync(SagaInstance instance, TData data, int from, SagaRun run, CancellationToken cancellationToken)
    {
        for (var index = from; index >= 0; index--)
        {
            var state = instance.Steps[index];
            var needsUndo = state.Status == SagaStepStatus.Completed || (state.Status == SagaStepStatus.Failed && state.Uncertain);
            if (needsUndo && _steps[index].HasCompensation)
            {
                SendCompensation(instance, data, index, TimeSpan.Zero, run);
                return;
            }
        }

        instance.Status = SagaStatus.Compensated;
        await RunHookAsync(_onCompensated, instance, data, run, cancellationToken);
    }

    private async Task RetryCompensationOrStickAsync(
        SagaInstance instance, TData data, SagaStep<TData> step, string reason, SagaRun run, CancellationToken cancellationToken)
    {
        var state = instance.Steps[instance.CurrentStep];
        state.Reason = reason;
        if (state.CompensationAttempts < step.CompensationRetry.MaxAttempts)
        {
            SendCompensation(instance, data, instance.CurrentStep, step.CompensationRetry.DelayBefore(state.CompensationAttempts + 1, run.Random()), run);
            return;
        }

        // Replies to the commands already sent stay awaited: a late success still un-sticks the saga.
        instance.Status = SagaStatus.Stuck;
        instance.StuckReason = $"compensation of {step.Name} failed {state.CompensationAttempts} time(s): {reason}";
        await RunHookAsync(_onStuck, instance, data, run, cancellationToken);
    }

    private void SendAction(SagaInstance instance, TData data, int index, TimeSpan delay, SagaRun run)
    {
        var step = _steps[index];
        var state = instance.Steps[index];
        if (instance.CurrentStep != index)
        {
            instance.AwaitedCommands.Clear();
        }

        instance.CurrentStep = index;
        instance.Phase = SagaPhase.Forward;
        state.Status = SagaStepStatus.Running;
        state.Attempts++;
        instance.Attempt = state.Attempts;

        // Replies to earlier attempts of this step stay awaited: the participant answers each the same way.
        var command = SendCommand(instance, step.Action!(data), delay, run);
        instance.AwaitedCommands.Add(command);
        ScheduleTimeout(instance, step, command, delay, run);
    }

    private void SendCompensation(SagaInstance instance, TData data, int index, TimeSpan delay, SagaRun run)
    {
        var step = _steps[index];
        var state = instance.Steps[index];
        if (instance.CurrentStep != index || instance.Phase != SagaPhase.Compensation)
        {
            instance.AwaitedCommands.Clear();
        }

        instance.CurrentStep = index;
        instance.Phase = SagaPhase.Compensation;
        state.Status = SagaStepStatus.Compensating;
        state.CompensationAttempts++;
        instance.Attempt = state.CompensationAttempts;
        var command = SendCommand(instance, step.Compensation!(data), delay, run);
        instance.AwaitedCommands.Add(command);
        ScheduleTimeout(instance, step, command, delay, run);
    }

    private static Guid SendCommand(SagaInstance instance, SagaCommand command, TimeSpan delay, SagaRun run) =>
        command.Send(run.Transaction, new Caravan.Messaging.MessageOptions
        {
            CorrelationId = instance.Id.ToString(),
            ReplyTo = run.OwnQueue,
            DeliverAt = delay > TimeSpan.Zero ? run.Now + delay : null,
        });

    private static void ScheduleTimeout(SagaInstance instance, SagaStep<TData> step, Guid command, TimeSpan delay, SagaRun run) =>
        run.Transaction.Send(
            new SagaTimeout(instance.Id, instance.CurrentStep, instance.Phase, instance.Attempt, command),
            new Caravan.Messaging.MessageOptions
            {
                Destination = run.OwnQueue,
                CorrelationId = instance.Id.ToString(),
                DeliverAt = run.Now + delay + step.Timeout,
            });

    private static async Task RunHookAsync(
        Func<SagaHookContext<TData>, CancellationToken, Task>? hook, SagaInstance instance, TData data, SagaRun run, CancellationToken cancellationToken)
    {
        if (hook is not null)
        {
            await hook(new SagaHookContext<TData>(data, instance, run.Transaction, run.Now), cancellationToken);
        }
    }

    private static void Touch(SagaInstance instance, TData data, SagaRun run)
    {
        instance.Data = Serialize(data);
        instance.UpdatedAt = run.Now;
    }

    private static string Serialize(TData data) => JsonSerializer.Serialize(data, DataJson);
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
