using Grpc.Core;

namespace Caravan.Orders.Stock;

/// <summary>The stock check's log events (ids 300–309).</summary>
internal static partial class StockCheckLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "Stock check skipped, Inventory did not answer ({Status}: {Detail}); the order is accepted and its saga's reservation decides")]
    public static partial void Skipped(ILogger logger, StatusCode status, string detail);
}
