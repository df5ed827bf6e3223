namespace Caravan.Sagas.Tests;

public sealed class SagaDefinitionValidationTests
{
    [Fact]
    public void Step_WithoutSend_Throws()
    {
        var definition = Saga.Define<OrderData>("order");

        var error = Assert.Throws<ArgumentException>(() => definition.Step("reserve", step => step.OnSuccess<StockReserved>()));

        Assert.Contains("no action", error.Message, StringComparison.Ordinal);
        Assert.Empty(definition.StepNames);
    }

    [Fact]
    public void Step_WithoutSuccessReply_Throws()
    {
        var definition = Saga.Define<OrderData>("order");

        var error = Assert.Throws<ArgumentException>(() => definition.Step("reserve", step => step
            .Send(data => new ReserveStock(data.OrderId, data.Quantity))
            .OnFailure<StockUnavailable>(reply => reply.Reason)));

        Assert.Contains("no success reply", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Step_WithCompensationButNoCompensatedReply_Throws()
    {
        var definition = Saga.Define<OrderData>("order");

        var error = Assert.Throws<ArgumentException>(() => definition.Step("reserve", step => step
            .Send(data => new ReserveStock(data.OrderId, data.Quantity))
            .OnSuccess<StockReserved>()
            .Compensate(data => new ReleaseStock(data.OrderId, data.ReservationId))));

        Assert.Contains("no compensated reply", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Step_WithDuplicateName_Throws()
    {
        var definition = Saga.Define<OrderData>("order")
            .Step("reserve", step => step.Send(data => new ReserveStock(data.OrderId, data.Quantity)).OnSuccess<StockReserved>());

        Assert.Throws<ArgumentException>(() => definition.Step(
            "reserve", step => step.Send(data => new ChargePayment(data.OrderId, data.AmountCents, null)).OnSuccess<PaymentCharged>()));
        Assert.Equal(["reserve"], definition.StepNames);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void Blank_SagaOrStepName_Throws(string name)
    {
        Assert.ThrowsAny<ArgumentException>(() => Saga.Define<OrderData>(name));
        Assert.ThrowsAny<ArgumentException>(() => Saga.Define<OrderData>("order").Step(
            name, step => step.Send(data => new ReserveStock(data.OrderId, data.Quantity)).OnSuccess<StockReserved>()));
    }

    [Fact]
    public void WithTimeout_NotPositive_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Saga.Define<OrderData>("order").Step("reserve", step => step
            .Send(data => new ReserveStock(data.OrderId, data.Quantity))
            .OnSuccess<StockReserved>()
            .WithTimeout(TimeSpan.Zero)));
    }

    [Fact]
    public void Start_WithoutSteps_Throws()
    {
        var definition = Saga.Define<OrderData>("empty");

        Assert.Throws<InvalidOperationException>(() =>
            definition.Start(Guid.NewGuid(), new OrderData(), new SagaRun(new FakeSagaTransaction(), SagaHarness.Epoch, () => 0.5, "orchestrator")));
    }

    [Fact]
    public void Definition_ListsItsStepsInOrder_AndEveryReplyType()
    {
        var definition = OrderSaga.Define(new HookLog());

        Assert.Equal("order", definition.Name);
        Assert.Equal([OrderSaga.Reserve, OrderSaga.Charge, OrderSaga.Ship], definition.StepNames);
        Assert.Equal(
            new HashSet<Type>
            {
                typeof(StockReserved), typeof(StockUnavailable), typeof(StockReleased),
                typeof(PaymentCharged), typeof(PaymentDeclined), typeof(PaymentRefunded), typeof(RefundFailed),
                typeof(ShipmentCreated), typeof(ShipmentRejected), typeof(ShipmentCancelled),
            },
            definition.ReplyTypes.ToHashSet());
        Assert.Equal(TimeSpan.FromSeconds(20), definition.Steps[1].Timeout);
        Assert.True(definition.Steps.All(step => step.HasCompensation));
    }

    [Fact]
    public void Step_Defaults_AreThirtySecondsThreeAttemptsAndTenCompensationAttempts()
    {
        var definition = Saga.Define<OrderData>("order")
            .Step("reserve", step => step.Send(data => new ReserveStock(data.OrderId, data.Quantity)).OnSuccess<StockReserved>());

        var step = definition.Steps.Single();
        Assert.Equal(TimeSpan.FromSeconds(30), step.Timeout);
        Assert.Equal(3, step.Retry.MaxAttempts);
        Assert.Equal(10, step.CompensationRetry.MaxAttempts);
        Assert.False(step.HasCompensation);
    }
}
