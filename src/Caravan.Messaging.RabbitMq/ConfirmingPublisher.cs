using Caravan.Messaging.Internal;
using RabbitMQ.Client;

namespace Caravan.Messaging.RabbitMq;

/// <summary>
/// Publishes on a channel with publisher confirms and returns only when the broker confirmed every
/// message of the batch (persistent messages on durable queues are then on disk). A nack, an unroutable
/// mandatory message or no confirm within the timeout throws, so the caller (the outbox relay) retries:
/// at least once, duplicates absorbed by the consumers' inbox. The timeout holds even where the client would
/// wait on (a socket that takes nothing in); the channel of a timed-out batch is given up, so the next batch
/// publishes on a new one.
/// </summary>
internal sealed class ConfirmingPublisher(ChannelSlot slot, TimeSpan confirmTimeout, TimeProvider timeProvider)
{
    public async Task PublishAsync(IReadOnlyList<OutgoingAmqpMessage> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return;
        }

        var channel = await slot.GetAsync(cancellationToken);
        try
        {
            await Bounded.RunAsync(
                $"RabbitMQ: the confirms of {messages.Count} message(s)",
                token =>
                {
                    // All published before any confirm is awaited: one batch costs about one round trip, not one per message.
                    var confirms = new List<Task>(messages.Count);
                    foreach (var message in messages)
                    {
                        confirms.Add(channel.BasicPublishAsync(message.Exchange, message.RoutingKey, message.Mandatory, message.Properties, message.Body, token).AsTask());
                    }

                    return Task.WhenAll(confirms);
                },
                confirmTimeout,
                timeProvider,
                cancellationToken);
        }
        catch (TimeoutException)
        {
            slot.Abandon(channel);
            throw;
        }
    }
}

/// <summary>One AMQP publish: where to, and what.</summary>
internal readonly record struct OutgoingAmqpMessage(string Exchange, string RoutingKey, bool Mandatory, BasicProperties Properties, ReadOnlyMemory<byte> Body);
