using System.Text.Json;

namespace Caravan.Sagas;

/// <summary>
/// The state machine: how a saga instance moves on a start, a reply, a timeout or an operator action.
/// Every method changes the instance in memory and sends through the run's transaction; the caller
/// stores the instance in that same transaction.
/// </summary>
public sealed partial class SagaDefinition<TData>
{
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
