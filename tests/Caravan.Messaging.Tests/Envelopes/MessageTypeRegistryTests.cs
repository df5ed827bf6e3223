namespace Caravan.Messaging.Tests.Envelopes;

public sealed class MessageTypeRegistryTests
{
    private sealed record Other(int X);

    [Fact]
    public void Add_SameWireNameForAnotherType_Throws()
    {
        var registry = new MessageTypeRegistry();
        registry.Add(new MessageRegistration(typeof(Ping), "ping", null));

        var error = Assert.Throws<InvalidOperationException>(() => registry.Add(new MessageRegistration(typeof(Other), "ping", null)));
        Assert.Contains("already used", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_SameTypeUnderAnotherName_Throws()
    {
        var registry = new MessageTypeRegistry();
        registry.Add(new MessageRegistration(typeof(Ping), "ping", null));

        Assert.Throws<InvalidOperationException>(() => registry.Add(new MessageRegistration(typeof(Ping), "ping.v2", null)));
    }

    [Fact]
    public void Get_UnregisteredType_ExplainsHowToRegisterIt()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new MessageTypeRegistry().Get(typeof(Other)));

        Assert.Contains("AddMessage<Other>", error.Message, StringComparison.Ordinal);
    }
}
