using Microsoft.Extensions.Logging;

namespace Caravan.Messaging.RabbitMq;

public sealed partial class RabbitMqTransport
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Reconnected to RabbitMQ; topology will be declared again")]
    private static partial void LogReconnected(ILogger logger);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Could not republish {Count} message(s); the originals were requeued")]
    private static partial void LogRepublishFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "Settling a message of {Queue} failed with its channel; the broker redelivers it")]
    private static partial void LogSettleLost(ILogger logger, Exception exception, string queue);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "{Count} lease(s) expired; their messages were given back")]
    private static partial void LogLeasesExpired(ILogger logger, int count);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Giving back messages with expired leases failed; trying again")]
    private static partial void LogExpiryFailed(ILogger logger, Exception exception);
}
