namespace Caravan.Gateway.GraphQL.Services;

// The services' REST shapes as the gateway reads them (JSON, camelCase). Only what the schema shows.

/// <summary>A user from <c>/api/v1/users</c>.</summary>
internal sealed record UserData(Guid Id, string Name, string Email, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>An order from <c>/api/v1/orders</c>; the list omits <see cref="Steps"/> (null).</summary>
internal sealed record OrderData(
    Guid Id,
    Guid UserId,
    string Status,
    decimal? Total,
    IReadOnlyList<OrderItemData>? Items,
    AddressData? ShippingAddress,
    IReadOnlyList<OrderStepData>? Steps,
    string? Reason,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

internal sealed record OrderItemData(string Sku, int Quantity, decimal? UnitPrice);

internal sealed record OrderStepData(string Name, string Status, string? Reason);

internal sealed record AddressData(string Line1, string City, string PostalCode, string Country);

/// <summary>The list shape of every collection endpoint: <c>{ data, pagination }</c>.</summary>
internal sealed record PageData<T>(IReadOnlyList<T> Data, PaginationData Pagination);

internal sealed record PaginationData(int Page, int Limit, long Total, long Pages);

/// <summary>What a mutation returns: the created entity, or <c>success: false</c> with the input errors.</summary>
internal sealed record MutationResult<T>(T? Entity, bool Success, IReadOnlyList<FieldError> Errors)
    where T : class
{
    public static MutationResult<T> Succeeded(T entity) => new(entity, true, []);

    public static MutationResult<T> Failed(IReadOnlyList<FieldError> errors) => new(null, false, errors);
}
