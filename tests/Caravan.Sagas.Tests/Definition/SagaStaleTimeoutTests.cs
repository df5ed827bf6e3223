namespace Caravan.Sagas.Tests;

/// <summary>A timeout counts only while the saga still waits on that very step, phase and attempt.</summary>
public sealed class SagaStaleTimeoutTests
{
    [Fact]
    public async Task TimeoutOfAnEarlierAttempt_IsIgnored()
    {
        var saga = new SagaHarness();
        saga.Start();
        var first = saga.Last<SagaTimeout>();
        await saga.FireLastTimeoutAsync();

        await AssertIgnoredAsync(saga, first);
        Assert.Equal(2, saga.Instance.Attempt);
    }

    [Fact]
    public async Task TimeoutOfACompletedStep_IsIgnored()
    {
        var saga = new SagaHarness();
        saga.Start();
        var reserveTimeout = saga.Last<SagaTimeout>();
        await saga.ReserveSucceedsAsync();

        await AssertIgnoredAsync(saga, reserveTimeout);
        Assert.Equal(1, saga.Instance.CurrentStep);
        Assert.Single(saga.All<ChargePayment>());
    }

    [Fact]
    public async Task ForwardTimeoutOfTheStepNowBeingCompensated_IsIgnored()
    {
        // Same step, same attempt number: only the phase tells them apart.
        var saga = new SagaHarness();
        saga.Start();
        var reserveTimeout = saga.Last<SagaTimeout>();
        await saga.ReserveSucceedsAsync();
        await saga.AnswerAsync<ChargePayment>(new PaymentDeclined(saga.OrderId, "declined"));
        Assert.Equal((0, SagaPhase.Compensation, 1), (saga.Instance.CurrentStep, saga.Instance.Phase, saga.Instance.Attempt));

        await AssertIgnoredAsync(saga, reserveTimeout);
        Assert.Single(saga.All<ReleaseStock>());
    }

    [Fact]
    public async Task TimeoutOfTheFailedStep_AfterItsFailureReply_IsIgnored()
    {
        var saga = new SagaHarness();
        await saga.FailStepAsync(2);
        var shipTimeout = saga.All<SagaTimeout>().Single(timeout => ((SagaTimeout)timeout.Message).Step == 2);

        await AssertIgnoredAsync(saga, shipTimeout);
        Assert.Empty(saga.All<CancelShipment>());
    }

    [Fact]
    public async Task EveryTimeout_AfterCompletion_IsIgnored()
    {
        var saga = new SagaHarness();
        saga.Start();
        await saga.FireLastTimeoutAsync();
        await saga.ReserveSucceedsAsync();
        await saga.ChargeSucceedsAsync();
        await saga.ShipSucceedsAsync();
        Assert.Equal(SagaStatus.Completed, saga.Instance.Status);

        foreach (var timeout in saga.All<SagaTimeout>())
        {
            await AssertIgnoredAsync(saga, timeout);
        }

        // Even a timeout naming the last step's current attempt exactly.
        await AssertIgnoredAsync(saga, new SagaTimeout(saga.SagaId, saga.Instance.CurrentStep, saga.Instance.Phase, saga.Instance.Attempt));
        Assert.Equal(SagaStatus.Completed, saga.Instance.Status);
    }

    [Fact]
    public async Task TimeoutMatchingTheCurrentAttempt_AfterCompensated_IsIgnored()
    {
        var saga = new SagaHarness();
        await saga.FailStepAsync(1);
        var releaseTimeout = saga.Last<SagaTimeout>();
        await saga.ReleaseSucceedsAsync();
        Assert.Equal(SagaStatus.Compensated, saga.Instance.Status);

        await AssertIgnoredAsync(saga, releaseTimeout);
    }

    [Fact]
    public async Task TimeoutOfACompensationAttempt_AfterItsFailureReplyTriggeredTheNext_IsIgnored()
    {
        var saga = new SagaHarness();
        await saga.FailStepAsync(2);
        var firstRefundTimeout = saga.Last<SagaTimeout>();
        await saga.RefundFailsAsync();
        Assert.Equal(2, saga.Instance.Attempt);

        await AssertIgnoredAsync(saga, firstRefundTimeout);
        Assert.Equal(2, saga.All<RefundPayment>().Count);
    }

    private static async Task AssertIgnoredAsync(SagaHarness saga, object timeout)
    {
        var snapshot = saga.Snapshot();
        var mark = saga.Sent.Count;
        var message = timeout is SentMessage sent ? (SagaTimeout)sent.Message : (SagaTimeout)timeout;
        if (timeout is SentMessage recorded && recorded.Options.DeliverAt > saga.Now)
        {
            saga.Now = recorded.Options.DeliverAt.Value;
        }

        Assert.Equal(SagaOutcome.Ignored, await saga.TimeoutAsync(message));
        Assert.Equal(snapshot, saga.Snapshot());
        Assert.Equal(mark, saga.Sent.Count);
    }
}
