namespace Caravan.Sagas.Tests;

/// <summary>A step answers with its failure reply: the completed steps before it are undone, newest first.</summary>
public sealed class SagaStepFailureTests
{
    [Fact]
    public async Task FirstStepDeclined_CompensatesNothing_AndEndsCompensated()
    {
        var saga = new SagaHarness();
        saga.Start();
        var mark = saga.Sent.Count;

        var outcome = await saga.AnswerAsync<ReserveStock>(new StockUnavailable(saga.OrderId, "out of stock"));

        Assert.Equal(SagaOutcome.Applied, outcome);
        Assert.Equal(SagaStatus.Compensated, saga.Instance.Status);
        Assert.True(saga.Instance.IsFinal);
        Assert.Equal("reserve: out of stock", saga.Instance.FailureReason);
        Assert.Equal(SagaStepStatus.Failed, saga.Step(0).Status);
        Assert.Equal("out of stock", saga.Step(0).Reason);
        Assert.False(saga.Step(0).Uncertain);
        Assert.Equal(0, saga.Step(0).CompensationAttempts);
        Assert.Equal([SagaStepStatus.Pending, SagaStepStatus.Pending], saga.Instance.Steps.Skip(1).Select(step => step.Status));
        Assert.Empty(saga.Instance.AwaitedCommands);

        // Nothing to undo: no command, no timeout; only the hook's event.
        var sent = Assert.Single(saga.SentSince(mark));
        Assert.Equal(new OrderSagaEnded(saga.OrderId, "compensated"), sent.Message);
        Assert.Equal(["compensating", "compensated"], saga.Hooks.Hooks);
        Assert.Equal(SagaStatus.Compensated, saga.Hooks.StatusAt("compensated"));
    }

    [Fact]
    public async Task SecondStepDeclined_ReleasesTheStockOnly()
    {
        var saga = new SagaHarness();
        saga.Start();
        await saga.ReserveSucceedsAsync();
        saga.Now += TimeSpan.FromSeconds(3);
        var mark = saga.Sent.Count;

        Assert.Equal(SagaOutcome.Applied, await saga.AnswerAsync<ChargePayment>(new PaymentDeclined(saga.OrderId, "card declined")));

        Assert.Equal(SagaStatus.Compensating, saga.Instance.Status);
        Assert.Equal(SagaPhase.Compensation, saga.Instance.Phase);
        Assert.Equal(0, saga.Instance.CurrentStep);
        Assert.Equal(1, saga.Instance.Attempt);
        Assert.Equal("charge: card declined", saga.Instance.FailureReason);
        Assert.Equal([SagaStepStatus.Compensating, SagaStepStatus.Failed, SagaStepStatus.Pending], saga.Instance.Steps.Select(step => step.Status));
        Assert.Equal(SagaStatus.Compensating, saga.Hooks.StatusAt("compensating"));

        var sent = saga.SentSince(mark);
        Assert.Equal(2, sent.Count);
        Assert.Equal(new ReleaseStock(saga.OrderId, saga.ReservationId), sent[0].Message);
        Assert.Null(sent[0].Options.DeliverAt);
        Assert.Equal(saga.SagaId.ToString(), sent[0].Options.CorrelationId);
        Assert.Equal(SagaHarness.OwnQueue, sent[0].Options.ReplyTo);
        Assert.Equal((saga.SagaId, 0, SagaPhase.Compensation, 1), sent[1].AsTimeout());
        Assert.Equal(saga.Now + saga.Options.ReserveTimeout, sent[1].Options.DeliverAt);
        Assert.Equal([sent[0].Id], saga.Instance.AwaitedCommands);

        Assert.Equal(SagaOutcome.Applied, await saga.ReleaseSucceedsAsync());

        Assert.Equal(SagaStatus.Compensated, saga.Instance.Status);
        Assert.Equal([SagaStepStatus.Compensated, SagaStepStatus.Failed, SagaStepStatus.Pending], saga.Instance.Steps.Select(step => step.Status));
        Assert.Empty(saga.All<RefundPayment>());
        Assert.Empty(saga.All<CancelShipment>());
        Assert.Equal(["compensating", "compensated"], saga.Hooks.Hooks);
    }

    [Fact]
    public async Task ThirdStepRejected_RefundsThenReleases_InReverseOrder()
    {
        var saga = new SagaHarness();
        await saga.FailStepAsync(2);

        Assert.Equal("ship: address unknown", saga.Instance.FailureReason);
        Assert.Equal(new RefundPayment(saga.OrderId, saga.PaymentId), saga.Last<RefundPayment>().Message);
        Assert.Empty(saga.All<ReleaseStock>());
        Assert.Equal((saga.SagaId, 1, SagaPhase.Compensation, 1), saga.Last<SagaTimeout>().AsTimeout());
        Assert.Equal(saga.Now + saga.Options.ChargeTimeout, saga.Last<SagaTimeout>().Options.DeliverAt);

        Assert.Equal(SagaOutcome.Applied, await saga.RefundSucceedsAsync());
        Assert.Equal(SagaStatus.Compensating, saga.Instance.Status);
        Assert.Equal(new ReleaseStock(saga.OrderId, saga.ReservationId), saga.Last<ReleaseStock>().Message);
        Assert.Equal((saga.SagaId, 0, SagaPhase.Compensation, 1), saga.Last<SagaTimeout>().AsTimeout());
        Assert.Equal([saga.Last<ReleaseStock>().Id], saga.Instance.AwaitedCommands);

        Assert.Equal(SagaOutcome.Applied, await saga.ReleaseSucceedsAsync());

        Assert.Equal(SagaStatus.Compensated, saga.Instance.Status);
        Assert.Equal([SagaStepStatus.Compensated, SagaStepStatus.Compensated, SagaStepStatus.Failed], saga.Instance.Steps.Select(step => step.Status));
        Assert.Empty(saga.All<CancelShipment>());
        Assert.Equal(["compensating", "compensated"], saga.Hooks.Hooks);
    }

    [Theory]
    [InlineData(0, new string[0])]
    [InlineData(1, new[] { nameof(ReleaseStock) })]
    [InlineData(2, new[] { nameof(RefundPayment), nameof(ReleaseStock) })]
    public async Task FailureReplyAtAnyStep_UndoesExactlyTheCompletedSteps_NewestFirst(int failingStep, string[] expectedCompensations)
    {
        var saga = new SagaHarness();
        await saga.FailStepAsync(failingStep);
        while (saga.Instance.Status == SagaStatus.Compensating)
        {
            var step = saga.Instance.CurrentStep;
            var outcome = step switch
            {
                0 => await saga.ReleaseSucceedsAsync(),
                1 => await saga.RefundSucceedsAsync(),
                _ => await saga.CancelSucceedsAsync(),
            };
            Assert.Equal(SagaOutcome.Applied, outcome);
        }

        Assert.Equal(SagaStatus.Compensated, saga.Instance.Status);
        var compensations = saga.Sent
            .Where(message => message.Message is ReleaseStock or RefundPayment or CancelShipment)
            .Select(message => message.Message.GetType().Name);
        Assert.Equal(expectedCompensations, compensations);
        Assert.Equal(SagaStepStatus.Failed, saga.Step(failingStep).Status);
        for (var index = 0; index < 3; index++)
        {
            var expected = index < failingStep ? SagaStepStatus.Compensated : index == failingStep ? SagaStepStatus.Failed : SagaStepStatus.Pending;
            Assert.Equal(expected, saga.Step(index).Status);
        }

        // Forward commands: exactly one per step up to the failing one, never any after it.
        Assert.Single(saga.All<ReserveStock>());
        Assert.Equal(failingStep >= 1 ? 1 : 0, saga.All<ChargePayment>().Count);
        Assert.Equal(failingStep >= 2 ? 1 : 0, saga.All<CreateShipment>().Count);
        Assert.Equal(1, saga.Hooks.Count("compensating"));
        Assert.Equal(1, saga.Hooks.Count("compensated"));
        Assert.Equal(0, saga.Hooks.Count("completed"));
    }

    [Fact]
    public async Task CompletedStepWithoutCompensation_IsSkipped()
    {
        var hooks = new HookLog();
        var definition = Saga.Define<OrderData>("no-undo-in-the-middle")
            .Step("reserve", step => step
                .Send(data => new ReserveStock(data.OrderId, data.Quantity))
                .OnSuccess<StockReserved>()
                .Compensate(data => new ReleaseStock(data.OrderId, data.ReservationId))
                .OnCompensated<StockReleased>())
            .Step("notify", step => step
                .Send(data => new CreateShipment(data.OrderId, null))
                .OnSuccess<ShipmentCreated>())
            .Step("charge", step => step
                .Send(data => new ChargePayment(data.OrderId, data.AmountCents, null))
                .OnSuccess<PaymentCharged>()
                .OnFailure<PaymentDeclined>(reply => reply.Reason))
            .OnCompensated((context, _) => hooks.Record("compensated", context.Instance.Status));
        var transaction = new FakeSagaTransaction();
        var run = new SagaRun(transaction, SagaHarness.Epoch, () => 0.5, "orchestrator");
        var orderId = Guid.NewGuid();
        var instance = definition.Start(Guid.NewGuid(), new OrderData { OrderId = orderId }, run);

        await definition.OnReplyAsync(instance, new StockReserved(orderId, Guid.NewGuid()), transaction.Sent.Last(m => m.Message is ReserveStock).Id, run, default);
        await definition.OnReplyAsync(instance, new ShipmentCreated(orderId, "T"), transaction.Sent.Last(m => m.Message is CreateShipment).Id, run, default);
        await definition.OnReplyAsync(instance, new PaymentDeclined(orderId, "no"), transaction.Sent.Last(m => m.Message is ChargePayment).Id, run, default);

        Assert.Equal(0, instance.CurrentStep);
        Assert.Single(transaction.Sent, message => message.Message is ReleaseStock);
        Assert.Equal([SagaStepStatus.Compensating, SagaStepStatus.Completed, SagaStepStatus.Failed], instance.Steps.Select(step => step.Status));

        await definition.OnReplyAsync(instance, new StockReleased(orderId), transaction.Sent.Last(m => m.Message is ReleaseStock).Id, run, default);

        Assert.Equal(SagaStatus.Compensated, instance.Status);
        Assert.Equal(["compensated"], hooks.Hooks);
    }
}
