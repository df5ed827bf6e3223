using Caravan.Inventory.Reservations;
using Grpc.Core;

namespace Caravan.Inventory.Grpc;

/// <summary>The gRPC statuses of inventory.proto, each with a message a person can act on and trailers a program can.</summary>
internal static class InventoryGrpcErrors
{
    /// <summary>Trailer naming the invalid field of an INVALID_ARGUMENT.</summary>
    public const string FieldTrailer = "caravan-field";

    /// <summary>Trailer naming an unknown sku of a NOT_FOUND (one entry per sku).</summary>
    public const string UnknownSkuTrailer = "caravan-unknown-sku";

    public static RpcException InvalidArgument(string field, string message) =>
        new(new Status(StatusCode.InvalidArgument, $"{field}: {message}"), new Metadata { { FieldTrailer, field } });

    public static RpcException UnknownSkus(IReadOnlyList<string> skus)
    {
        var trailers = new Metadata();
        foreach (var sku in skus)
        {
            // Metadata values are ASCII; a sku outside it is named in the message only.
            if (sku.All(char.IsAscii))
            {
                trailers.Add(UnknownSkuTrailer, sku);
            }
        }

        var names = string.Join(", ", skus.Select(sku => $"'{sku}'"));
        return new RpcException(new Status(StatusCode.NotFound, $"No product has the sku {names}."), trailers);
    }

    /// <summary>A reserve that failed now or before: an unknown sku is NOT_FOUND, anything else FAILED_PRECONDITION.</summary>
    public static RpcException ReservationFailed(Guid orderId, string reason) =>
        ReservationReasons.UnknownSkuIn(reason) is { } sku
            ? UnknownSkus([sku])
            : new RpcException(new Status(StatusCode.FailedPrecondition, $"Order {orderId} cannot be reserved: {reason}."));
}
