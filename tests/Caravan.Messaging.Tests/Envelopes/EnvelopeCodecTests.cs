using System.Text;

namespace Caravan.Messaging.Tests.Envelopes;

public sealed class EnvelopeCodecTests
{
    [Fact]
    public void EncodeThenDecode_KeepsEveryField()
    {
        var envelope = new Envelope
        {
            MessageId = Guid.CreateVersion7(),
            MessageType = "orders.placed",
            CorrelationId = "saga-1",
            CausationId = "cause-1",
            Priority = MessagePriority.High,
            CreatedAt = new DateTimeOffset(2026, 11, 27, 10, 0, 0, 123, TimeSpan.Zero),
            DeliverAt = new DateTimeOffset(2026, 11, 27, 10, 5, 0, TimeSpan.Zero),
            ReplyTo = "orders",
            TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            Headers = new Dictionary<string, string> { ["tenant"] = "acme", ["ünïcode"] = "✓" },
            Body = Encoding.UTF8.GetBytes("{\"a\":1}"),
        };

        var metadata = EnvelopeCodec.EncodeMetadata(envelope);
        var decoded = EnvelopeCodec.Decode(envelope.MessageId, envelope.MessageType, envelope.Priority, metadata, envelope.Body, attempt: 3);

        Assert.Equal(envelope.CorrelationId, decoded.CorrelationId);
        Assert.Equal(envelope.CausationId, decoded.CausationId);
        Assert.Equal(envelope.CreatedAt, decoded.CreatedAt);
        Assert.Equal(envelope.DeliverAt, decoded.DeliverAt);
        Assert.Equal(envelope.ReplyTo, decoded.ReplyTo);
        Assert.Equal(envelope.TraceParent, decoded.TraceParent);
        Assert.Equal(envelope.Headers, decoded.Headers);
        Assert.Equal(3, decoded.Attempt);
        Assert.Equal(MessagePriority.High, decoded.Priority);
        Assert.Equal("{\"a\":1}", Encoding.UTF8.GetString(decoded.Body.Span));
    }

    [Fact]
    public void Decode_MinimalMetadata_LeavesOptionalFieldsEmpty()
    {
        var decoded = EnvelopeCodec.Decode(Guid.CreateVersion7(), "t", MessagePriority.Low, "{\"createdAt\":0}", Array.Empty<byte>());

        Assert.Null(decoded.CorrelationId);
        Assert.Null(decoded.DeliverAt);
        Assert.Empty(decoded.Headers);
        Assert.Equal(DateTimeOffset.UnixEpoch, decoded.CreatedAt);
    }

    [Fact]
    public void Decode_FromUtf8_SkipsUnknownPropertiesAndReadsANullHeaderAsEmpty()
    {
        var metadata = """{"future":{"nested":[1,{"x":null}]},"createdAt":5,"headers":{"a":"1","b":null},"replyTo":null,"traceparent":"t"}"""u8;

        var decoded = EnvelopeCodec.Decode(Guid.CreateVersion7(), "t", MessagePriority.Normal, metadata, Array.Empty<byte>());

        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(5), decoded.CreatedAt);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = string.Empty }, decoded.Headers);
        Assert.Null(decoded.ReplyTo);
        Assert.Equal("t", decoded.TraceParent);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{\"createdAt\":0")]
    [InlineData("{}")]
    [InlineData("{\"createdAt\":\"yesterday\"}")]
    [InlineData("{\"createdAt\":1.5}")]
    [InlineData("{\"createdAt\":0,\"correlationId\":7}")]
    [InlineData("{\"createdAt\":0,\"headers\":{\"a\":1}}")]
    [InlineData("{\"createdAt\":0,\"headers\":[]}")]
    public void Decode_UnreadableMetadata_ThrowsAnExceptionThatMarksTheRowUnreadable(string metadata)
    {
        var error = Record.Exception(() => EnvelopeCodec.Decode(Guid.CreateVersion7(), "t", MessagePriority.Normal, metadata, Array.Empty<byte>()));

        Assert.NotNull(error);
        Assert.True(EnvelopeCodec.IsUnreadable(error), error.GetType().FullName);
    }

    [Fact]
    public void Version7Ids_SortByTheInjectedClock()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(50));
        var ids = new Version7MessageIdGenerator(time);

        var first = ids.NewId();
        time.Advance(TimeSpan.FromMilliseconds(1));
        var second = ids.NewId();

        Assert.Equal(7, first.Version);
        Assert.True(first.CompareTo(second) < 0);
    }
}
