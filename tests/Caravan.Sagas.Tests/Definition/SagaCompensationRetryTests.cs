namespace Caravan.Sagas.Tests;

/// <summary>A compensation that fails (by its failure reply or by silence) is sent again with backoff until it succeeds.</summary>
public sealed class SagaCompensationRetryTests
{
    [Fact]
    public async Task ReleaseTimingOut_IsSentAgainWithBackoff_ThenSucceeds()
    {
        var saga = new SagaHarness();
        await saga.FailStepAsync(1);
        var first = saga.Last<ReleaseStock>();

        var mark = saga.Sent.Count;
        Assert.Equal(SagaOutcome.Applied, await saga.FireLastTimeoutAsync());
        var sent = saga.SentSince(mark);
        Assert.Equal(2, sent.Count);
        Assert.Equal(first.Message, sent[0].Message);
        Assert.Equal(saga.Now + TimeSpan.FromSeconds(1), sent[0].Options.DeliverAt);
        Assert.Equal((saga.SagaId, 0, SagaPhase.Compensation, 2), sent[1].AsTimeout());
        Assert.Equal(saga.Now + TimeSpan.FromSeconds(1) + saga.Options.ReserveTimeout, sent[1].Options.DeliverAt);
        Assert.Equal(SagaStatus.Compensating, saga.Instance.Status);
        Assert.Equal(2, saga.Step(0).CompensationAttempts);
        Assert.Equal("no reply to the compensation within 10 s", saga.Step(0).Reason);
        Assert.Equal([first.Id, sent[0].Id], saga.Instance.AwaitedCommands);

        Assert.Equal(SagaOutcome.Applied, await saga.ReleaseSucceedsAsync());

        Assert.Equal(SagaStatus.Compensated, saga.Instance.Status);
        Assert.Equal(SagaStepStatus.Compensated, saga.Step(0).Status);
        Assert.Null(saga.Step(0).Reason);
        Assert.Equal(["compensating", "compensated"], saga.Hooks.Hooks);
    }

    [Fact]
    public async Task LateReplyToTheFirstCompensationAttempt_StillCounts()
    {
        var saga = new SagaHarness();
        await saga.FailStepAsync(1);
        var first = saga.Last<ReleaseStock>();
        await saga.FireLastTimeoutAsync();
        var second = saga.Last<ReleaseStock>();

        Assert.Equal(SagaOutcome.Applied, await saga.ReplyAsync(new StockReleased(saga.OrderId), first.Id));
        Assert.Equal(SagaStatus.Compensated, saga.Instance.Status);

        Assert.Equal(SagaOutcome.Ignored, await saga.ReplyAsync(new StockReleased(saga.OrderId), second.Id));
        Assert.Equal(1, saga.Hooks.Count("compensated"));
    }

    [Fact]
    public async Task RefundFailing_IsRetriedOnTheBackoffSchedule_ThenSucceeds()
    {
        var saga = new SagaHarness();
        await saga.FailStepAsync(2);

        var delays = new List<TimeSpan?>();
        for (var failure = 1; failure <= 3; failure++)
        {
            saga.Now += TimeSpan.FromMilliseconds(100);
            var mark = saga.Sent.Count;
            Assert.Equal(SagaOutcome.Applied, await saga.RefundFailsAsync($"provider down {failure}"));
            var sent = saga.SentSince(mark);
            Assert.Equal(2, sent.Count);
            Assert.Equal(new RefundPayment(saga.OrderId, saga.PaymentId), sent[0].Message);
            delays.Add(sent[0].Options.DeliverAt - saga.Now);
            Assert.Equal((saga.SagaId, 1, SagaPhase.Compensation, failure + 1), sent[1].AsTimeout());
            Assert.Equal(sent[0].Options.DeliverAt + saga.Options.ChargeTimeout, sent[1].Options.DeliverAt);
            Assert.Equal($"provider down {failure}", saga.Step(1).Reason);
            Assert.Equal(SagaStatus.Compensating, saga.Instance.Status);

            // The failed attempt is answered; only the new one is awaited.
            Assert.Equal([sent[0].Id], saga.Instance.AwaitedCommands);
        }

        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)], delays);
        Assert.Empty(saga.All<ReleaseStock>());

        Assert.Equal(SagaOutcome.Applied, await saga.RefundSucceedsAsync());
        Assert.Equal(SagaStepStatus.Compensated, saga.Step(1).Status);
        Assert.Single(saga.All<ReleaseStock>());
        Assert.Equal(SagaOutcome.Applied, await saga.ReleaseSucceedsAsync());

        Assert.Equal(SagaStatus.Compensated, saga.Instance.Status);
        Assert.Equal(4, saga.All<RefundPayment>().Count);
        Assert.Equal(0, saga.Hooks.Count("stuck"));
    }

    [Fact]
    public async Task RefundFailingThenTimingOut_ThenSucceeding_Compensates()
    {
        var saga = new SagaHarness();
        await saga.FailStepAsync(2);

        await saga.RefundFailsAsync();
        Assert.Equal(SagaOutcome.Applied, await saga.FireLastTimeoutAsync());
        Assert.Equal(3, saga.Step(1).CompensationAttempts);
        Assert.Equal(saga.Now + TimeSpan.FromSeconds(2), saga.Last<RefundPayment>().Options.DeliverAt);
        Assert.Equal("no reply to the compensation within 20 s", saga.Step(1).Reason);

        await saga.RefundSucceedsAsync();
        await saga.ReleaseSucceedsAsync();

        Assert.Equal(SagaStatus.Compensated, saga.Instance.Status);
    }

    [Fact]
    public async Task DuplicateFailureReply_UsesOneAttemptOnly()
    {
        var saga = new SagaHarness();
        await saga.FailStepAsync(2);
        var first = saga.Last<RefundPayment>();

        Assert.Equal(SagaOutcome.Applied, await saga.ReplyAsync(new RefundFailed(saga.OrderId, "down"), first.Id));
        var snapshot = saga.Snapshot();
        var mark = saga.Sent.Count;

        Assert.Equal(SagaOutcome.Ignored, await saga.ReplyAsync(new RefundFailed(saga.OrderId, "down"), first.Id));
        Assert.Equal(snapshot, saga.Snapshot());
        Assert.Equal(mark, saga.Sent.Count);
        Assert.Equal(2, saga.Step(1).CompensationAttempts);
    }

    [Fact]
    public async Task CancelOfAnUncertainShipment_TimingOutThenSucceeding_ContinuesWithRefundAndRelease()
    {
        var saga = new SagaHarness();
        await saga.DriveToStepAsync(2);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await saga.FireLastTimeoutAsync();
        }

        Assert.Equal(new CancelShipment(saga.OrderId, null), saga.Last<CancelShipment>().Message);
        Assert.Equal(SagaOutcome.Applied, await saga.FireLastTimeoutAsync());
        Assert.Equal(2, saga.All<CancelShipment>().Count);
        Assert.Equal(saga.Now + TimeSpan.FromSeconds(1), saga.Last<CancelShipment>().Options.DeliverAt);
        Assert.Equal((saga.SagaId, 2, SagaPhase.Compensation, 2), saga.Last<SagaTimeout>().AsTimeout());

        await saga.CancelSucceedsAsync();
        Assert.Equal(SagaStepStatus.Compensated, saga.Step(2).Status);
        Assert.True(saga.Step(2).Uncertain);
        await saga.RefundSucceedsAsync();
        await saga.ReleaseSucceedsAsync();

        Assert.Equal(SagaStatus.Compensated, saga.Instance.Status);
        Assert.Equal(
            [nameof(CancelShipment), nameof(CancelShipment), nameof(RefundPayment), nameof(ReleaseStock)],
            saga.Sent.Where(message => message.Message is ReleaseStock or RefundPayment or CancelShipment).Select(message => message.Message.GetType().Name));
    }
}
