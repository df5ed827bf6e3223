namespace Caravan.Sagas.Tests;

/// <summary>Replies count only when they answer an awaited command with a type the current step knows; everything else is ignored.</summary>
public sealed class SagaReplyMatchingTests
{
    [Fact]
    public async Task DuplicateSuccessReply_IsIgnored_AndNeverAdvancesTwice()
    {
        var saga = new SagaHarness();
        saga.Start();
        var reserve = saga.Last<ReserveStock>();
        await saga.ReplyAsync(new StockReserved(saga.OrderId, saga.ReservationId), reserve.Id);

        await AssertIgnoredAsync(saga, new StockReserved(saga.OrderId, saga.ReservationId), reserve.Id);
        Assert.Single(saga.All<ChargePayment>());
        Assert.Equal(1, saga.Instance.CurrentStep);
    }

    [Fact]
    public async Task DuplicateFailureReply_IsIgnored_AndNeverCompensatesTwice()
    {
        var saga = new SagaHarness();
        await saga.FailStepAsync(1);
        var charge = saga.Last<ChargePayment>();

        await AssertIgnoredAsync(saga, new PaymentDeclined(saga.OrderId, "card declined"), charge.Id);
        Assert.Single(saga.All<ReleaseStock>());
        Assert.Equal(1, saga.Hooks.Count("compensating"));
    }

    [Fact]
    public async Task DuplicateCompensatedReply_IsIgnored_AndNeverMovesOnTwice()
    {
        var saga = new SagaHarness();
        await saga.FailStepAsync(2);
        var refund = saga.Last<RefundPayment>();
        await saga.ReplyAsync(new PaymentRefunded(saga.OrderId), refund.Id);
        Assert.Equal(0, saga.Instance.CurrentStep);

        await AssertIgnoredAsync(saga, new PaymentRefunded(saga.OrderId), refund.Id);
        Assert.Single(saga.All<ReleaseStock>());
        Assert.Equal(SagaStepStatus.Compensated, saga.Step(1).Status);
    }

    [Fact]
    public async Task ReplyToAnOlderAttempt_AfterTheStepCompleted_IsIgnored()
    {
        var saga = new SagaHarness();
        saga.Start();
        var first = saga.Last<ReserveStock>();
        await saga.FireLastTimeoutAsync();
        await saga.ReserveSucceedsAsync();

        await AssertIgnoredAsync(saga, new StockReserved(saga.OrderId, Guid.NewGuid()), first.Id);
        await AssertIgnoredAsync(saga, new StockUnavailable(saga.OrderId, "late change of mind"), first.Id);
        Assert.Equal(saga.ReservationId, saga.Data.ReservationId);
        Assert.Single(saga.All<ChargePayment>());
    }

    [Fact]
    public async Task ReplyWithoutInReplyTo_OrToAnUnknownCommand_IsIgnored()
    {
        var saga = new SagaHarness();
        saga.Start();

        await AssertIgnoredAsync(saga, new StockReserved(saga.OrderId, saga.ReservationId), null);
        await AssertIgnoredAsync(saga, new StockReserved(saga.OrderId, saga.ReservationId), Guid.NewGuid());

        // Nor may a reply answer the saga's own timeout message.
        await AssertIgnoredAsync(saga, new StockReserved(saga.OrderId, saga.ReservationId), saga.Last<SagaTimeout>().Id);
        Assert.Equal(SagaStepStatus.Running, saga.Step(0).Status);
    }

    [Fact]
    public async Task ReplyOfATypeTheCurrentStepDoesNotKnow_IsIgnored()
    {
        var saga = new SagaHarness();
        saga.Start();
        var reserve = saga.Last<ReserveStock>();

        await AssertIgnoredAsync(saga, new PaymentCharged(saga.OrderId, saga.PaymentId), reserve.Id);
        await AssertIgnoredAsync(saga, new ShipmentRejected(saga.OrderId, "wrong step"), reserve.Id);
        await AssertIgnoredAsync(saga, "not even a message", reserve.Id);

        // The awaited command is still awaited: its real reply still counts.
        Assert.Equal(SagaOutcome.Applied, await saga.ReserveSucceedsAsync());
    }

    [Fact]
    public async Task ActionReplyTypes_AnsweringACompensationCommand_AreIgnored()
    {
        var saga = new SagaHarness();
        await saga.FailStepAsync(1);
        var release = saga.Last<ReleaseStock>();

        await AssertIgnoredAsync(saga, new StockReserved(saga.OrderId, Guid.NewGuid()), release.Id);
        await AssertIgnoredAsync(saga, new StockUnavailable(saga.OrderId, "no"), release.Id);
        Assert.Equal(SagaStatus.Compensating, saga.Instance.Status);
    }

    [Fact]
    public async Task CompensationReplyTypes_AnsweringAnAction_AreIgnored()
    {
        var saga = new SagaHarness();
        await saga.DriveToStepAsync(1);
        var charge = saga.Last<ChargePayment>();

        await AssertIgnoredAsync(saga, new PaymentRefunded(saga.OrderId), charge.Id);
        await AssertIgnoredAsync(saga, new RefundFailed(saga.OrderId, "no"), charge.Id);
        Assert.Equal(SagaStatus.Running, saga.Instance.Status);
    }

    [Fact]
    public async Task AnyReply_AfterCompletion_IsIgnored()
    {
        var saga = new SagaHarness();
        await saga.DriveToStepAsync(3);

        await AssertIgnoredAsync(saga, new ShipmentCreated(saga.OrderId, "T-2"), saga.Last<CreateShipment>().Id);
        await AssertIgnoredAsync(saga, new ShipmentRejected(saga.OrderId, "late"), saga.Last<CreateShipment>().Id);
        Assert.Equal(SagaStatus.Completed, saga.Instance.Status);
        Assert.Equal(1, saga.Hooks.Count("completed"));
    }

    private static async Task AssertIgnoredAsync(SagaHarness saga, object reply, Guid? inReplyTo)
    {
        var snapshot = saga.Snapshot();
        var mark = saga.Sent.Count;
        saga.Now += TimeSpan.FromSeconds(1);

        Assert.Equal(SagaOutcome.Ignored, await saga.ReplyAsync(reply, inReplyTo));

        Assert.Equal(snapshot, saga.Snapshot());
        Assert.Equal(mark, saga.Sent.Count);
    }
}
