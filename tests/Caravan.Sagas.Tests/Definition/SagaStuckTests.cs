namespace Caravan.Sagas.Tests;

/// <summary>A compensation that keeps failing leaves the saga Stuck for an operator to retry or resolve.</summary>
public sealed class SagaStuckTests
{
    [Fact]
    public async Task RefundFailingEveryAttempt_LeavesTheSagaStuckWithItsReason()
    {
        var saga = new SagaHarness();
        await saga.FailStepAsync(2);
        for (var attempt = 1; attempt < 4; attempt++)
        {
            await saga.RefundFailsAsync();
            Assert.Equal(SagaStatus.Compensating, saga.Instance.Status);
        }

        var mark = saga.Sent.Count;
        Assert.Equal(SagaOutcome.Applied, await saga.RefundFailsAsync("provider down"));

        Assert.Equal(SagaStatus.Stuck, saga.Instance.Status);
        Assert.False(saga.Instance.IsFinal);
        Assert.Equal("compensation of charge failed 4 time(s): provider down", saga.Instance.StuckReason);
        Assert.Equal(SagaStepStatus.Compensating, saga.Step(1).Status);
        Assert.Equal(4, saga.Step(1).CompensationAttempts);
        Assert.Empty(saga.SentSince(mark));
        Assert.Equal(4, saga.All<RefundPayment>().Count);
        Assert.Empty(saga.All<ReleaseStock>());
        Assert.Equal(["compensating", "stuck"], saga.Hooks.Hooks);
        Assert.Equal(SagaStatus.Stuck, saga.Hooks.StatusAt("stuck"));
    }

    [Fact]
    public async Task RefundTimingOutEveryAttempt_LeavesTheSagaStuck_AndItsCommandsStillAwaited()
    {
        var saga = new SagaHarness();
        await saga.StickOnRefundByTimeoutsAsync();

        Assert.Equal("compensation of charge failed 4 time(s): no reply to the compensation within 20 s", saga.Instance.StuckReason);
        Assert.Equal(saga.All<RefundPayment>().Select(message => message.Id), saga.Instance.AwaitedCommands);
        Assert.Equal(1, saga.Hooks.Count("stuck"));
    }

    [Fact]
    public async Task WhileStuck_TimeoutsAndFailureRepliesAreIgnored()
    {
        var saga = new SagaHarness();
        await saga.StickOnRefundByTimeoutsAsync();
        var snapshot = saga.Snapshot();
        var mark = saga.Sent.Count;

        Assert.Equal(SagaOutcome.Ignored, await saga.TimeoutAsync(new SagaTimeout(saga.SagaId, 1, SagaPhase.Compensation, 4)));
        Assert.Equal(SagaOutcome.Ignored, await saga.RefundFailsAsync("still down"));

        Assert.Equal(snapshot, saga.Snapshot());
        Assert.Equal(mark, saga.Sent.Count);
        Assert.Equal(1, saga.Hooks.Count("stuck"));
    }

    [Fact]
    public async Task LateCompensationSuccess_AfterStuck_UnsticksAndContinues()
    {
        var saga = new SagaHarness();
        await saga.StickOnRefundByTimeoutsAsync();
        var firstRefund = saga.All<RefundPayment>()[0];

        Assert.Equal(SagaOutcome.Applied, await saga.ReplyAsync(new PaymentRefunded(saga.OrderId), firstRefund.Id));

        Assert.Equal(SagaStatus.Compensating, saga.Instance.Status);
        Assert.Null(saga.Instance.StuckReason);
        Assert.Equal(SagaStepStatus.Compensated, saga.Step(1).Status);
        Assert.Equal(0, saga.Instance.CurrentStep);
        Assert.Equal([saga.Last<ReleaseStock>().Id], saga.Instance.AwaitedCommands);

        // The other refund attempts' replies are no longer awaited.
        foreach (var refund in saga.All<RefundPayment>().Skip(1))
        {
            Assert.Equal(SagaOutcome.Ignored, await saga.ReplyAsync(new PaymentRefunded(saga.OrderId), refund.Id));
        }

        Assert.Equal(SagaOutcome.Applied, await saga.ReleaseSucceedsAsync());
        Assert.Equal(SagaStatus.Compensated, saga.Instance.Status);
        Assert.Single(saga.All<ReleaseStock>());
        Assert.Equal(["compensating", "stuck", "compensated"], saga.Hooks.Hooks);
    }

    [Fact]
    public async Task OperatorRetry_SendsTheCompensationAgainWithAFreshBudget_ThenSuccessCompensates()
    {
        var saga = new SagaHarness();
        await saga.StickOnRefundByFailureRepliesAsync();
        saga.Now += TimeSpan.FromMinutes(5);
        var mark = saga.Sent.Count;

        await saga.RetryAsync();

        Assert.Equal(SagaStatus.Compensating, saga.Instance.Status);
        Assert.Null(saga.Instance.StuckReason);
        Assert.Equal(1, saga.Step(1).CompensationAttempts);
        Assert.Equal(1, saga.Instance.Attempt);
        var sent = saga.SentSince(mark);
        Assert.Equal(2, sent.Count);
        Assert.Equal(new RefundPayment(saga.OrderId, saga.PaymentId), sent[0].Message);
        Assert.Null(sent[0].Options.DeliverAt);
        Assert.Equal(saga.SagaId.ToString(), sent[0].Options.CorrelationId);
        Assert.Equal((saga.SagaId, 1, SagaPhase.Compensation, 1), sent[1].AsTimeout());
        Assert.Equal(saga.Now + saga.Options.ChargeTimeout, sent[1].Options.DeliverAt);
        Assert.Contains(sent[0].Id, saga.Instance.AwaitedCommands);
        Assert.Equal(saga.Now, saga.Instance.UpdatedAt);

        // A fresh budget: three more failures are retried, not stuck.
        for (var failure = 0; failure < 3; failure++)
        {
            await saga.RefundFailsAsync();
            Assert.Equal(SagaStatus.Compensating, saga.Instance.Status);
        }

        Assert.Equal(SagaOutcome.Applied, await saga.RefundSucceedsAsync());
        Assert.Equal(SagaOutcome.Applied, await saga.ReleaseSucceedsAsync());

        Assert.Equal(SagaStatus.Compensated, saga.Instance.Status);
        Assert.Equal(8, saga.All<RefundPayment>().Count);
        Assert.Equal(["compensating", "stuck", "compensated"], saga.Hooks.Hooks);
    }

    [Fact]
    public async Task OperatorRetry_ThatFailsAgain_IsStuckAgain()
    {
        var saga = new SagaHarness();
        await saga.StickOnRefundByFailureRepliesAsync();
        await saga.RetryAsync();
        for (var failure = 0; failure < 4; failure++)
        {
            await saga.RefundFailsAsync("still down");
        }

        Assert.Equal(SagaStatus.Stuck, saga.Instance.Status);
        Assert.Equal("compensation of charge failed 4 time(s): still down", saga.Instance.StuckReason);
        Assert.Equal(2, saga.Hooks.Count("stuck"));
    }

    [Fact]
    public async Task LateSuccessOfAnAttemptFromBeforeTheOperatorRetry_StillCounts_Once()
    {
        var saga = new SagaHarness();
        await saga.StickOnRefundByTimeoutsAsync();
        var oldAttempt = saga.All<RefundPayment>()[1];
        await saga.RetryAsync();
        var newAttempt = saga.Last<RefundPayment>();

        Assert.Equal(SagaOutcome.Applied, await saga.ReplyAsync(new PaymentRefunded(saga.OrderId), oldAttempt.Id));
        Assert.Equal(SagaStepStatus.Compensated, saga.Step(1).Status);
        Assert.Single(saga.All<ReleaseStock>());

        Assert.Equal(SagaOutcome.Ignored, await saga.ReplyAsync(new PaymentRefunded(saga.OrderId), newAttempt.Id));
        Assert.Single(saga.All<ReleaseStock>());
        await saga.ReleaseSucceedsAsync();
        Assert.Equal(SagaStatus.Compensated, saga.Instance.Status);
        Assert.Equal(["compensating", "stuck", "compensated"], saga.Hooks.Hooks);
    }

    [Fact]
    public async Task StaleTimeoutFromBeforeAnOperatorRetry_DoesNotCountAgainstTheNewAttempt()
    {
        // Every refund attempt failed at once by its failure reply, so their timeouts are still on their way
        // when the operator retries. The old timeout of attempt 1 must not pass for the new attempt 1's.
        var saga = new SagaHarness();
        await saga.StickOnRefundByFailureRepliesAsync();
        var oldTimeouts = saga.All<SagaTimeout>().Where(timeout => ((SagaTimeout)timeout.Message).Phase == SagaPhase.Compensation).ToList();
        Assert.Equal(4, oldTimeouts.Count);
        saga.Now += TimeSpan.FromSeconds(5);
        await saga.RetryAsync();
        var newTimeout = saga.Last<SagaTimeout>();
        Assert.True(oldTimeouts[0].Options.DeliverAt < newTimeout.Options.DeliverAt);
        var snapshot = saga.Snapshot();
        var mark = saga.Sent.Count;

        var outcome = await saga.DeliverAsync(oldTimeouts[0]);

        Assert.Equal(SagaOutcome.Ignored, outcome);
        Assert.Equal(snapshot, saga.Snapshot());
        Assert.Equal(mark, saga.Sent.Count);
        Assert.Equal(1, saga.Step(1).CompensationAttempts);
    }

    [Fact]
    public async Task OperatorResolve_EndsTheSagaResolved_AndNothingMovesItAgain()
    {
        var saga = new SagaHarness();
        await saga.StickOnRefundByTimeoutsAsync();
        saga.Now += TimeSpan.FromHours(1);
        var mark = saga.Sent.Count;

        await saga.ResolveAsync("refunded by hand in the provider's console");

        Assert.Equal(SagaStatus.Resolved, saga.Instance.Status);
        Assert.True(saga.Instance.IsFinal);
        Assert.Null(saga.Instance.StuckReason);
        Assert.Empty(saga.Instance.AwaitedCommands);
        Assert.Equal("resolved by an operator: refunded by hand in the provider's console", saga.Step(1).Reason);
        Assert.Equal(saga.Now, saga.Instance.UpdatedAt);
        Assert.Empty(saga.SentSince(mark));
        Assert.Equal(["compensating", "stuck", "resolved"], saga.Hooks.Hooks);
        Assert.Equal(SagaStatus.Resolved, saga.Hooks.StatusAt("resolved"));

        var snapshot = saga.Snapshot();
        foreach (var refund in saga.All<RefundPayment>())
        {
            Assert.Equal(SagaOutcome.Ignored, await saga.ReplyAsync(new PaymentRefunded(saga.OrderId), refund.Id));
        }

        foreach (var timeout in saga.All<SagaTimeout>())
        {
            Assert.Equal(SagaOutcome.Ignored, await saga.TimeoutAsync((SagaTimeout)timeout.Message));
        }

        Assert.Equal(snapshot, saga.Snapshot());
        Assert.Equal(mark, saga.Sent.Count);
        await Assert.ThrowsAsync<SagaStateException>(saga.RetryAsync);
        await Assert.ThrowsAsync<SagaStateException>(() => saga.ResolveAsync("again"));
        Assert.Equal(1, saga.Hooks.Count("resolved"));
    }

    public static TheoryData<string> NotStuck => new() { "running", "compensating", "completed", "compensated" };

    [Theory]
    [MemberData(nameof(NotStuck))]
    public async Task RetryAndResolve_OfASagaThatIsNotStuck_Throw(string state)
    {
        var saga = new SagaHarness();
        switch (state)
        {
            case "running":
                saga.Start();
                break;
            case "compensating":
                await saga.FailStepAsync(1);
                break;
            case "completed":
                await saga.DriveToStepAsync(3);
                break;
            default:
                await saga.FailStepAsync(0);
                break;
        }

        var snapshot = saga.Snapshot();
        var mark = saga.Sent.Count;

        var retry = await Assert.ThrowsAsync<SagaStateException>(saga.RetryAsync);
        await Assert.ThrowsAsync<SagaStateException>(() => saga.ResolveAsync("note"));

        Assert.Contains("only a stuck saga", retry.Message, StringComparison.Ordinal);
        Assert.Equal(snapshot, saga.Snapshot());
        Assert.Equal(mark, saga.Sent.Count);
        Assert.Equal(0, saga.Hooks.Count("resolved"));
    }
}
