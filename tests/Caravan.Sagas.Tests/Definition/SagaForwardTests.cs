namespace Caravan.Sagas.Tests;

public sealed class SagaForwardTests
{
    [Fact]
    public void Start_SendsTheFirstCommand_AndSchedulesItsTimeout()
    {
        var saga = new SagaHarness();

        var instance = saga.Start();

        Assert.Equal(saga.SagaId, instance.Id);
        Assert.Equal(OrderSaga.Name, instance.Definition);
        Assert.Equal(SagaStatus.Running, instance.Status);
        Assert.Equal(SagaPhase.Forward, instance.Phase);
        Assert.Equal(0, instance.CurrentStep);
        Assert.Equal(1, instance.Attempt);
        Assert.Equal(SagaHarness.Epoch, instance.CreatedAt);
        Assert.Equal(SagaHarness.Epoch, instance.UpdatedAt);
        Assert.Equal([SagaStepStatus.Running, SagaStepStatus.Pending, SagaStepStatus.Pending], instance.Steps.Select(step => step.Status));
        Assert.Equal([1, 0, 0], instance.Steps.Select(step => step.Attempts));
        Assert.Equal([OrderSaga.Reserve, OrderSaga.Charge, OrderSaga.Ship], instance.Steps.Select(step => step.Name));

        Assert.Equal(2, saga.Sent.Count);
        var command = saga.Sent[0];
        Assert.Equal(new ReserveStock(saga.OrderId, 2), command.Message);
        Assert.False(command.Published);
        Assert.Equal(saga.SagaId.ToString(), command.Options.CorrelationId);
        Assert.Equal(SagaHarness.OwnQueue, command.Options.ReplyTo);
        Assert.Null(command.Options.DeliverAt);
        Assert.Null(command.Options.Destination);
        Assert.Equal([command.Id], instance.AwaitedCommands);

        var timeout = saga.Sent[1];
        Assert.Equal((saga.SagaId, 0, SagaPhase.Forward, 1), timeout.AsTimeout());
        Assert.Equal(SagaHarness.OwnQueue, timeout.Options.Destination);
        Assert.Equal(saga.SagaId.ToString(), timeout.Options.CorrelationId);
        Assert.Equal(SagaHarness.Epoch + saga.Options.ReserveTimeout, timeout.Options.DeliverAt);
        Assert.Equal(saga.OrderId, saga.Data.OrderId);
    }

    [Fact]
    public async Task EveryStepSucceeding_CompletesTheSaga_AndLaterCommandsCarryEarlierReplies()
    {
        var saga = new SagaHarness();
        saga.Start();

        saga.Now += TimeSpan.FromSeconds(1);
        Assert.Equal(SagaOutcome.Applied, await saga.ReserveSucceedsAsync());
        Assert.Equal(new ChargePayment(saga.OrderId, 4_990, saga.ReservationId), saga.Last<ChargePayment>().Message);
        Assert.Equal(saga.ReservationId, saga.Data.ReservationId);
        Assert.Equal(1, saga.Instance.CurrentStep);
        Assert.Equal((saga.SagaId, 1, SagaPhase.Forward, 1), saga.Last<SagaTimeout>().AsTimeout());
        Assert.Equal(saga.Now + saga.Options.ChargeTimeout, saga.Last<SagaTimeout>().Options.DeliverAt);
        Assert.Equal([saga.Last<ChargePayment>().Id], saga.Instance.AwaitedCommands);

        saga.Now += TimeSpan.FromSeconds(1);
        Assert.Equal(SagaOutcome.Applied, await saga.ChargeSucceedsAsync());
        Assert.Equal(new CreateShipment(saga.OrderId, saga.PaymentId), saga.Last<CreateShipment>().Message);
        Assert.Equal((saga.SagaId, 2, SagaPhase.Forward, 1), saga.Last<SagaTimeout>().AsTimeout());
        Assert.Equal(saga.Now + saga.Options.ShipTimeout, saga.Last<SagaTimeout>().Options.DeliverAt);

        saga.Now += TimeSpan.FromSeconds(1);
        var mark = saga.Sent.Count;
        Assert.Equal(SagaOutcome.Applied, await saga.ShipSucceedsAsync());

        Assert.Equal(SagaStatus.Completed, saga.Instance.Status);
        Assert.True(saga.Instance.IsFinal);
        Assert.All(saga.Instance.Steps, step => Assert.Equal(SagaStepStatus.Completed, step.Status));
        Assert.Empty(saga.Instance.AwaitedCommands);
        Assert.Null(saga.Instance.FailureReason);
        Assert.Equal(saga.Now, saga.Instance.UpdatedAt);
        Assert.Equal(SagaHarness.Epoch, saga.Instance.CreatedAt);
        var data = saga.Data;
        Assert.Equal((saga.ReservationId, saga.PaymentId, saga.TrackingNumber), (data.ReservationId, data.PaymentId, data.TrackingNumber));

        // Completing sends nothing but what the hook published, in the same transaction.
        var published = Assert.Single(saga.SentSince(mark));
        Assert.True(published.Published);
        Assert.Equal(new OrderSagaEnded(saga.OrderId, "completed"), published.Message);
        Assert.Equal(["completed"], saga.Hooks.Hooks);
        Assert.Equal(SagaStatus.Completed, saga.Hooks.StatusAt("completed"));

        Assert.Empty(saga.All<ReleaseStock>());
        Assert.Empty(saga.All<RefundPayment>());
        Assert.Empty(saga.All<CancelShipment>());
    }

    [Fact]
    public async Task EveryCommandAndTimeout_CarriesTheSagaId_AndAddressesTheOwnQueue()
    {
        // A run through retries, a failure and compensation retries: every message it sends is checked.
        var saga = new SagaHarness();
        saga.Start();
        await saga.FireLastTimeoutAsync();
        await saga.ReserveSucceedsAsync();
        await saga.ChargeSucceedsAsync();
        await saga.AnswerAsync<CreateShipment>(new ShipmentRejected(saga.OrderId, "no address"));
        await saga.RefundFailsAsync();
        await saga.FireLastTimeoutAsync();
        await saga.RefundSucceedsAsync();
        await saga.ReleaseSucceedsAsync();
        Assert.Equal(SagaStatus.Compensated, saga.Instance.Status);

        var commands = saga.Sent.Where(message => !message.Published && message.Message is not SagaTimeout).ToList();
        Assert.Equal(8, commands.Count);
        Assert.All(commands, command =>
        {
            Assert.Equal(saga.SagaId.ToString(), command.Options.CorrelationId);
            Assert.Equal(SagaHarness.OwnQueue, command.Options.ReplyTo);
            Assert.Null(command.Options.Destination);
        });
        var timeouts = saga.All<SagaTimeout>();
        Assert.Equal(commands.Count, timeouts.Count);
        Assert.All(timeouts, timeout =>
        {
            Assert.Equal(SagaHarness.OwnQueue, timeout.Options.Destination);
            Assert.Equal(saga.SagaId.ToString(), timeout.Options.CorrelationId);
            Assert.Equal(saga.SagaId, ((SagaTimeout)timeout.Message).SagaId);
            Assert.NotNull(timeout.Options.DeliverAt);
        });
        Assert.Equal(commands.Select(command => command.Id).Distinct().Count(), commands.Count);
    }

    [Fact]
    public async Task OnSuccessApply_IsStored_SoAReloadedInstanceStillCarriesIt()
    {
        var saga = new SagaHarness();
        saga.Start();
        await saga.ReserveSucceedsAsync();

        var json = System.Text.Json.JsonSerializer.Serialize(saga.Instance, SqlSagaStore.Json);
        var reloaded = System.Text.Json.JsonSerializer.Deserialize<SagaInstance>(json, SqlSagaStore.Json)!;

        Assert.Equal(saga.ReservationId, saga.Definition.ReadData(reloaded).ReservationId);
    }
}
