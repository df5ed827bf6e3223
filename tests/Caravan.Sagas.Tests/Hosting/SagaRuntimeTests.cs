namespace Caravan.Sagas.Tests;

/// <summary>The saga runtime through real messaging: an orchestrator host and a participants host on one SQLite broker.</summary>
public sealed class SagaRuntimeTests : IDisposable
{
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Saga_WhoseParticipantsAllAgree_Completes()
    {
        await using var hosts = await SagaHosts.StartAsync(_directory, new OrderSagaOptions
        {
            ReserveTimeout = TimeSpan.FromSeconds(20),
            ChargeTimeout = TimeSpan.FromSeconds(20),
            ShipTimeout = TimeSpan.FromSeconds(20),
        });
        var sagaId = Guid.NewGuid();

        var order = await hosts.StartSagaAsync(sagaId);
        var instance = (await hosts.WaitUntilAsync(sagaId, saga => saga.IsFinal, "the saga ends"))!;

        Assert.Equal(SagaStatus.Completed, instance.Status);
        Assert.All(instance.Steps, step => Assert.Equal(SagaStepStatus.Completed, step.Status));
        Assert.True(instance.Version > 1);
        var data = hosts.Definition.ReadData(instance);
        Assert.Equal(order.OrderId, data.OrderId);
        Assert.NotNull(data.ReservationId);
        Assert.NotNull(data.PaymentId);
        Assert.Equal($"TRACK-{order.OrderId:N}", data.TrackingNumber);
        Assert.Equal(1, hosts.Log.Count<ReserveStock>(order.OrderId));
        Assert.Equal(1, hosts.Log.Count<ChargePayment>(order.OrderId));
        Assert.Equal(1, hosts.Log.Count<CreateShipment>(order.OrderId));
        Assert.Equal(0, hosts.Log.Count<ReleaseStock>(order.OrderId));
        Assert.Equal(["completed"], hosts.Hooks.Hooks);

        // The hook's event committed with the transition and travelled like any other message.
        await Eventually.ReturnsAsync(() => Task.FromResult(hosts.Log.Count<OrderSagaEnded>(order.OrderId)), count => count == 1, "the completion event arrives");
        var listed = await hosts.Coordinator.QueryAsync(new SagaQuery { Status = SagaStatus.Completed, Definition = OrderSaga.Name });
        Assert.Equal([sagaId], listed.Select(saga => saga.Id));
    }

    [Fact]
    public async Task Saga_WhoseChargeIsDeclined_ReleasesTheStockExactlyOnce_AndEndsCompensated()
    {
        await using var hosts = await SagaHosts.StartAsync(_directory, new OrderSagaOptions
        {
            ReserveTimeout = TimeSpan.FromSeconds(20),
            ChargeTimeout = TimeSpan.FromSeconds(20),
            ShipTimeout = TimeSpan.FromSeconds(20),
        });
        hosts.Behaviour.DeclineCharge = true;
        var sagaId = Guid.NewGuid();

        var order = await hosts.StartSagaAsync(sagaId);
        var instance = (await hosts.WaitUntilAsync(sagaId, saga => saga.IsFinal, "the saga ends"))!;

        Assert.Equal(SagaStatus.Compensated, instance.Status);
        Assert.Equal("charge: card declined", instance.FailureReason);
        Assert.Equal([SagaStepStatus.Compensated, SagaStepStatus.Failed, SagaStepStatus.Pending], instance.Steps.Select(step => step.Status));
        Assert.Equal(1, hosts.Log.Count<ReserveStock>(order.OrderId));
        Assert.Equal(1, hosts.Log.Count<ChargePayment>(order.OrderId));
        Assert.Equal(1, hosts.Log.Count<ReleaseStock>(order.OrderId));
        Assert.Equal(0, hosts.Log.Count<RefundPayment>(order.OrderId));
        Assert.Equal(0, hosts.Log.Count<CreateShipment>(order.OrderId));
        Assert.Equal(["compensating", "compensated"], hosts.Hooks.Hooks);
        await Eventually.ReturnsAsync(() => Task.FromResult(hosts.Log.Count<OrderSagaEnded>(order.OrderId)), count => count == 1, "the compensation event arrives");
    }

    [Fact]
    public async Task Saga_WhoseShipmentNeverAnswers_TimesOutThroughScheduledMessages_AndUndoesTheUncertainStepToo()
    {
        await using var hosts = await SagaHosts.StartAsync(_directory, new OrderSagaOptions
        {
            ReserveTimeout = TimeSpan.FromSeconds(20),
            ChargeTimeout = TimeSpan.FromSeconds(20),
            ShipTimeout = TimeSpan.FromSeconds(1),
            ActionRetry = new SagaRetryPolicy { MaxAttempts = 2, Backoff = TimeSpan.FromMilliseconds(200) },
        });
        hosts.Behaviour.IgnoreShipment = true;
        var sagaId = Guid.NewGuid();

        var order = await hosts.StartSagaAsync(sagaId);
        var instance = (await hosts.WaitUntilAsync(sagaId, saga => saga.IsFinal, "the saga ends"))!;

        Assert.Equal(SagaStatus.Compensated, instance.Status);
        var ship = instance.Steps[2];
        Assert.Equal((SagaStepStatus.Compensated, true, 2), (ship.Status, ship.Uncertain, ship.Attempts));
        Assert.Equal("ship: no reply after 2 attempt(s)", instance.FailureReason);
        Assert.Equal(2, hosts.Log.Count<CreateShipment>(order.OrderId));
        Assert.True(hosts.Log.Count<CancelShipment>(order.OrderId) >= 1);
        Assert.Equal(1, hosts.Log.Count<RefundPayment>(order.OrderId));
        Assert.Equal(1, hosts.Log.Count<ReleaseStock>(order.OrderId));
    }

    [Fact]
    public async Task StuckSaga_IsListed_AndAnOperatorRetryFinishesItsCompensation()
    {
        await using var hosts = await SagaHosts.StartAsync(_directory, new OrderSagaOptions
        {
            ReserveTimeout = TimeSpan.FromSeconds(20),
            ChargeTimeout = TimeSpan.FromSeconds(20),
            ShipTimeout = TimeSpan.FromSeconds(20),
            CompensationRetry = new SagaRetryPolicy { MaxAttempts = 2, Backoff = TimeSpan.FromMilliseconds(100) },
        });
        hosts.Behaviour.RejectShipment = true;
        hosts.Behaviour.RefundFails = true;
        var sagaId = Guid.NewGuid();

        var order = await hosts.StartSagaAsync(sagaId);
        var stuck = (await hosts.WaitUntilAsync(sagaId, saga => saga.Status == SagaStatus.Stuck, "the saga is stuck"))!;

        Assert.Equal("compensation of charge failed 2 time(s): provider down", stuck.StuckReason);
        Assert.Equal(2, hosts.Log.Count<RefundPayment>(order.OrderId));
        Assert.Equal(0, hosts.Log.Count<ReleaseStock>(order.OrderId));
        Assert.Equal([sagaId], (await hosts.Coordinator.QueryAsync(new SagaQuery { Status = SagaStatus.Stuck })).Select(saga => saga.Id));
        Assert.Null(await hosts.Coordinator.ResolveAsync(Guid.NewGuid(), "no such saga"));

        hosts.Behaviour.RefundFails = false;
        var retried = await hosts.Coordinator.RetryAsync(sagaId);

        Assert.Equal(SagaStatus.Compensating, retried!.Status);
        var instance = (await hosts.WaitUntilAsync(sagaId, saga => saga.IsFinal, "the saga ends"))!;
        Assert.Equal(SagaStatus.Compensated, instance.Status);
        Assert.Equal(3, hosts.Log.Count<RefundPayment>(order.OrderId));
        Assert.Equal(1, hosts.Log.Count<ReleaseStock>(order.OrderId));
        Assert.Equal(["compensating", "stuck", "compensated"], hosts.Hooks.Hooks);
        await Assert.ThrowsAsync<SagaStateException>(() => hosts.Coordinator.RetryAsync(sagaId));
        Assert.Null(await hosts.Coordinator.RetryAsync(Guid.NewGuid()));
    }
}
