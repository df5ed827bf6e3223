using System.Data.Common;
using Caravan.Messaging;

namespace Caravan.Sagas.Tests;

/// <summary>One message a transition sent or published, with the id the transaction gave it.</summary>
public sealed record SentMessage(Guid Id, object Message, MessageOptions Options, bool Published);

/// <summary>
/// A saga transaction with no database behind it: it records every send and publish and hands out
/// fresh ids, so state-machine tests see exactly which commands and timeouts a transition produced.
/// </summary>
public sealed class FakeSagaTransaction : ISagaTransaction
{
    private readonly List<SentMessage> _sent = [];

    public DbConnection Connection => throw new InvalidOperationException("The state machine must not touch the database.");

    public DbTransaction Transaction => throw new InvalidOperationException("The state machine must not touch the database.");

    public IReadOnlyList<SentMessage> Sent => _sent;

    public Guid Send<TMessage>(TMessage message, MessageOptions options)
        where TMessage : notnull
    {
        ArgumentNullException.ThrowIfNull(options);
        var id = Guid.NewGuid();
        _sent.Add(new SentMessage(id, message, options, Published: false));
        return id;
    }

    public Guid Publish<TMessage>(TMessage message, MessageOptions? options = null)
        where TMessage : notnull
    {
        var id = Guid.NewGuid();
        _sent.Add(new SentMessage(id, message, options ?? new MessageOptions(), Published: true));
        return id;
    }
}

public static class SentMessageExtensions
{
    /// <summary>What a recorded timeout names: saga, step, phase and attempt.</summary>
    public static (Guid SagaId, int Step, SagaPhase Phase, int Attempt) AsTimeout(this SentMessage sent)
    {
        ArgumentNullException.ThrowIfNull(sent);
        var timeout = Assert.IsType<SagaTimeout>(sent.Message);
        return (timeout.SagaId, timeout.Step, timeout.Phase, timeout.Attempt);
    }
}
