using System.Diagnostics.Metrics;
using Grpc.Core;

namespace Caravan.Orders.Stock;

/// <summary>Counts orders accepted without a stock check because Inventory could not answer in time.</summary>
internal sealed class StockCheckMetrics
{
    public const string MeterName = "Caravan.Orders";

    private readonly Counter<long> _skipped;

    public StockCheckMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _skipped = meterFactory.Create(MeterName).CreateCounter<long>(
            "caravan.orders.stock_check.skipped", description: "Orders accepted without the stock check, by the gRPC status Inventory's call ended with.");
    }

    public void Skipped(StatusCode status) => _skipped.Add(1, new KeyValuePair<string, object?>("status", status.ToString()));
}
