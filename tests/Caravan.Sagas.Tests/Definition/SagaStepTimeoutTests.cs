namespace Caravan.Sagas.Tests;

/// <summary>No reply in time: the action is sent again with backoff; after the last attempt the step is uncertain and undone too.</summary>
public sealed class SagaStepTimeoutTests
{
    public static TheoryData<int> Steps => new() { 0, 1, 2 };

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task ActionTimingOut_IsRetriedWithBackoff_ThenTheUncertainStepIsCompensatedToo(int index)
    {
        var saga = new SagaHarness();
        await saga.DriveToStepAsync(index);
        var timeout = saga.Definition.Steps[index].Timeout;
        var firstCommand = saga.Sent[^2];
        Assert.Equal(saga.Now + timeout, saga.Last<SagaTimeout>().Options.DeliverAt);

        // Attempt 2, one second later (random 0.5: no jitter), with a new timeout counted from its delivery.
        var mark = saga.Sent.Count;
        Assert.Equal(SagaOutcome.Applied, await saga.FireLastTimeoutAsync());
        var sent = saga.SentSince(mark);
        Assert.Equal(2, sent.Count);
        Assert.Equal(firstCommand.Message, sent[0].Message);
        Assert.Equal(saga.Now + TimeSpan.FromSeconds(1), sent[0].Options.DeliverAt);
        Assert.Equal(saga.SagaId.ToString(), sent[0].Options.CorrelationId);
        Assert.Equal((saga.SagaId, index, SagaPhase.Forward, 2), sent[1].AsTimeout());
        Assert.Equal(saga.Now + TimeSpan.FromSeconds(1) + timeout, sent[1].Options.DeliverAt);
        Assert.Equal(SagaStatus.Running, saga.Instance.Status);
        Assert.Equal(2, saga.Instance.Attempt);
        Assert.Equal(2, saga.Step(index).Attempts);
        Assert.Equal(SagaStepStatus.Running, saga.Step(index).Status);
        Assert.Contains("retrying", saga.Step(index).Reason, StringComparison.Ordinal);
        Assert.Equal([firstCommand.Id, sent[0].Id], saga.Instance.AwaitedCommands);
        Assert.Equal(saga.Now, saga.Instance.UpdatedAt);

        // Attempt 3, two seconds later.
        mark = saga.Sent.Count;
        Assert.Equal(SagaOutcome.Applied, await saga.FireLastTimeoutAsync());
        sent = saga.SentSince(mark);
        Assert.Equal(firstCommand.Message, sent[0].Message);
        Assert.Equal(saga.Now + TimeSpan.FromSeconds(2), sent[0].Options.DeliverAt);
        Assert.Equal((saga.SagaId, index, SagaPhase.Forward, 3), sent[1].AsTimeout());
        Assert.Equal(saga.Now + TimeSpan.FromSeconds(2) + timeout, sent[1].Options.DeliverAt);
        Assert.Equal(3, saga.Instance.AwaitedCommands.Count);

        // The last attempt times out: the step failed, its outcome unknown, so it is compensated first.
        mark = saga.Sent.Count;
        Assert.Equal(SagaOutcome.Applied, await saga.FireLastTimeoutAsync());
        Assert.Equal(SagaStatus.Compensating, saga.Instance.Status);
        Assert.Equal(SagaPhase.Compensation, saga.Instance.Phase);
        Assert.Equal(index, saga.Instance.CurrentStep);
        Assert.True(saga.Step(index).Uncertain);
        Assert.Equal("no reply after 3 attempt(s)", saga.Step(index).Reason);
        Assert.Equal($"{saga.Definition.StepNames[index]}: no reply after 3 attempt(s)", saga.Instance.FailureReason);
        Assert.Equal(SagaStepStatus.Compensating, saga.Step(index).Status);
        sent = saga.SentSince(mark);
        Assert.Equal(2, sent.Count);
        object expectedUndo = index switch
        {
            0 => new ReleaseStock(saga.OrderId, null),
            1 => new RefundPayment(saga.OrderId, null),
            _ => new CancelShipment(saga.OrderId, null),
        };
        Assert.Equal(expectedUndo, sent[0].Message);
        Assert.Null(sent[0].Options.DeliverAt);
        Assert.Equal((saga.SagaId, index, SagaPhase.Compensation, 1), sent[1].AsTimeout());
        Assert.Equal(saga.Now + timeout, sent[1].Options.DeliverAt);
        Assert.Equal([sent[0].Id], saga.Instance.AwaitedCommands);

        // Then every completed step before it, newest first.
        for (var undo = index; undo >= 0; undo--)
        {
            Assert.Equal(undo, saga.Instance.CurrentStep);
            var outcome = undo switch
            {
                0 => await saga.ReleaseSucceedsAsync(),
                1 => await saga.RefundSucceedsAsync(),
                _ => await saga.CancelSucceedsAsync(),
            };
            Assert.Equal(SagaOutcome.Applied, outcome);
        }

        Assert.Equal(SagaStatus.Compensated, saga.Instance.Status);
        Assert.All(saga.Instance.Steps.Take(index + 1), step => Assert.Equal(SagaStepStatus.Compensated, step.Status));
        Assert.All(saga.Instance.Steps.Skip(index + 1), step => Assert.Equal(SagaStepStatus.Pending, step.Status));
        var actions = saga.Sent.Count(message => message.Message.GetType() == firstCommand.Message.GetType());
        Assert.Equal(3, actions);
        Assert.Equal(["compensating", "compensated"], saga.Hooks.Hooks);
    }

    [Fact]
    public async Task RetryDelay_TakesItsJitterFromTheRun()
    {
        var saga = new SagaHarness { Random = () => 0.0 };
        saga.Start();

        await saga.FireLastTimeoutAsync();

        Assert.Equal(saga.Now + TimeSpan.FromMilliseconds(800), saga.Last<ReserveStock>().Options.DeliverAt);
        Assert.Equal(saga.Now + TimeSpan.FromMilliseconds(800) + saga.Options.ReserveTimeout, saga.Last<SagaTimeout>().Options.DeliverAt);

        saga.Random = () => 0.75;
        await saga.FireLastTimeoutAsync();

        Assert.Equal(saga.Now + TimeSpan.FromMilliseconds(2_200), saga.Last<ReserveStock>().Options.DeliverAt);
    }

    [Fact]
    public async Task ReplyToTheFirstAttempt_AfterTheSecondWasSent_IsAcceptedOnce()
    {
        var saga = new SagaHarness();
        saga.Start();
        var first = saga.Last<ReserveStock>();
        await saga.FireLastTimeoutAsync();
        var second = saga.Last<ReserveStock>();
        Assert.NotEqual(first.Id, second.Id);

        Assert.Equal(SagaOutcome.Applied, await saga.ReplyAsync(new StockReserved(saga.OrderId, saga.ReservationId), first.Id));
        Assert.Equal(1, saga.Instance.CurrentStep);
        Assert.Single(saga.All<ChargePayment>());
        var snapshot = saga.Snapshot();
        var mark = saga.Sent.Count;

        // The participant answers the repeat the same way; that second answer changes nothing.
        Assert.Equal(SagaOutcome.Ignored, await saga.ReplyAsync(new StockReserved(saga.OrderId, saga.ReservationId), second.Id));
        Assert.Equal(snapshot, saga.Snapshot());
        Assert.Equal(mark, saga.Sent.Count);
        Assert.Equal(2, saga.Step(0).Attempts);
        Assert.Equal(SagaStepStatus.Completed, saga.Step(0).Status);
        Assert.Null(saga.Step(0).Reason);
    }

    [Fact]
    public async Task SuccessArrivingAfterTheStepTimedOutForGood_IsIgnored_NoResurrection()
    {
        var saga = new SagaHarness();
        await saga.DriveToStepAsync(1);
        var attempts = new List<SentMessage> { saga.Last<ChargePayment>() };
        await saga.FireLastTimeoutAsync();
        attempts.Add(saga.Last<ChargePayment>());
        await saga.FireLastTimeoutAsync();
        attempts.Add(saga.Last<ChargePayment>());
        await saga.FireLastTimeoutAsync();
        Assert.Equal(SagaStatus.Compensating, saga.Instance.Status);
        Assert.Equal(new RefundPayment(saga.OrderId, null), saga.Last<RefundPayment>().Message);
        var snapshot = saga.Snapshot();
        var mark = saga.Sent.Count;

        foreach (var attempt in attempts)
        {
            Assert.Equal(SagaOutcome.Ignored, await saga.ReplyAsync(new PaymentCharged(saga.OrderId, saga.PaymentId), attempt.Id));
            Assert.Equal(SagaOutcome.Ignored, await saga.ReplyAsync(new PaymentDeclined(saga.OrderId, "late"), attempt.Id));
        }

        Assert.Equal(snapshot, saga.Snapshot());
        Assert.Equal(mark, saga.Sent.Count);
        Assert.Equal(SagaStepStatus.Compensating, saga.Step(1).Status);
        Assert.Null(saga.Data.PaymentId);

        // The compensation goes on as before, once per step, and the saga ends compensated.
        await saga.RefundSucceedsAsync();
        await saga.ReleaseSucceedsAsync();
        Assert.Equal(SagaStatus.Compensated, saga.Instance.Status);
        Assert.Single(saga.All<RefundPayment>());
        Assert.Single(saga.All<ReleaseStock>());
        Assert.Empty(saga.All<CreateShipment>());

        Assert.Equal(SagaOutcome.Ignored, await saga.ReplyAsync(new PaymentCharged(saga.OrderId, saga.PaymentId), attempts[^1].Id));
        Assert.Equal(SagaStatus.Compensated, saga.Instance.Status);
        Assert.Equal(["compensating", "compensated"], saga.Hooks.Hooks);
    }
}
