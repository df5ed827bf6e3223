using Caravan.Contracts;
using Caravan.Inventory.Grpc.V1;
using InventoryClient = Caravan.Inventory.Grpc.V1.Inventory.InventoryClient;
using Grpc.Core;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Caravan.Orders.Stock;

/// <summary>
/// The synchronous availability check before an order's saga starts: one GetStock call to Inventory's
/// gRPC API within <see cref="OrdersOptions.StockCheckTimeout"/> (its retries included).
/// <para>
/// It refuses only what is certain at that moment: an unknown sku (422 naming <c>items[i].sku</c>) or
/// more units than are available (409, code <c>OUT_OF_STOCK</c>). It is advisory, not a reservation:
/// the saga's ReserveStock stays the authority, so two orders racing for the last units both pass
/// here and one is cancelled by its saga. Taking orders must not depend on Inventory being up: when
/// Inventory cannot answer in time the order is accepted, with a warning and a count in
/// <c>caravan.orders.stock_check.skipped</c>.
/// </para>
/// </summary>
internal sealed class StockCheck(InventoryClient inventory, IOptions<OrdersOptions> options, TimeProvider time, StockCheckMetrics metrics, ILogger<StockCheck> logger)
{
    /// <summary>The <c>code</c> of a 409 refusal.</summary>
    public const string OutOfStockCode = "OUT_OF_STOCK";

    /// <summary>The <c>code</c> of a 422 refusal.</summary>
    public const string UnknownSkuCode = "UNKNOWN_SKU";

    /// <summary>Trailer in which Inventory names each unknown sku of a NOT_FOUND (inventory.proto).</summary>
    public const string UnknownSkuTrailer = "caravan-unknown-sku";

    /// <summary>A problem response when the order must be refused now; null when it may go ahead.</summary>
    public async Task<IResult?> RefuseAsync(IReadOnlyList<OrderLine> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (!options.Value.CheckStock)
        {
            return null;
        }

        var request = new GetStockRequest();
        request.Skus.AddRange(items.Select(item => item.Sku));
        var deadline = time.GetUtcNow().Add(options.Value.StockCheckTimeout).UtcDateTime;
        try
        {
            var stock = await inventory.GetStockAsync(request, deadline: deadline, cancellationToken: cancellationToken);
            return OutOfStock(items, stock);
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.NotFound && UnknownSkus(items, exception) is { } problem)
        {
            return problem;
        }
        catch (RpcException exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Unavailable (retried first), deadline exceeded, or anything else: the saga will decide.
            StockCheckLog.Skipped(logger, exception.StatusCode, exception.Status.Detail);
            metrics.Skipped(exception.StatusCode);
            return null;
        }
    }

    private static ProblemHttpResult? OutOfStock(IReadOnlyList<OrderLine> items, GetStockResponse stock)
    {
        var available = stock.Items.ToDictionary(level => level.Sku, level => level.Available, StringComparer.Ordinal);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        for (var index = 0; index < items.Count; index++)
        {
            var units = available.GetValueOrDefault(items[index].Sku);
            if (items[index].Quantity > units)
            {
                errors[$"items[{index}].quantity"] = [$"{items[index].Quantity} of '{items[index].Sku}' requested, {units} available."];
            }
        }

        return errors.Count == 0
            ? null
            : Refusal(StatusCodes.Status409Conflict, OutOfStockCode, "Not enough stock.", "The order was not placed: some items are not available in the requested quantity.", errors);
    }

    private static ProblemHttpResult? UnknownSkus(IReadOnlyList<OrderLine> items, RpcException exception)
    {
        var unknown = exception.Trailers.GetAll(UnknownSkuTrailer).Select(entry => entry.Value).ToHashSet(StringComparer.Ordinal);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        for (var index = 0; index < items.Count; index++)
        {
            if (unknown.Contains(items[index].Sku))
            {
                errors[$"items[{index}].sku"] = [$"No product has the sku '{items[index].Sku}'."];
            }
        }

        // A NOT_FOUND that names none of our skus is not an answer about this order: treat it as unknown.
        return errors.Count == 0
            ? null
            : Refusal(StatusCodes.Status422UnprocessableEntity, UnknownSkuCode, "Unknown product.", "The order was not placed: some items name no product.", errors);
    }

    private static ProblemHttpResult Refusal(int status, string code, string title, string detail, Dictionary<string, string[]> errors) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors)
        {
            Status = status,
            Title = title,
            Detail = detail,
            Extensions = { ["code"] = code },
        });
}
