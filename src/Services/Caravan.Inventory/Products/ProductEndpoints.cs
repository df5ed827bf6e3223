using System.Data.Common;
using Caravan.Messaging;
using Caravan.ServiceDefaults.Data;
using Caravan.ServiceDefaults.Paging;
using Caravan.ServiceDefaults.Problems;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Caravan.Inventory.Products;

/// <summary>
/// <c>/api/v1/products</c>: the catalogue and its stock. Creating and updating set the available
/// units; reserved and committed units only ever move through the reservation messages.
/// </summary>
internal static class ProductEndpoints
{
    public static RouteGroupBuilder MapProductEndpoints(this RouteGroupBuilder group)
    {
        group.MapPost("", CreateAsync).WithName("CreateProduct").WithSummary("Add a product with its price and stock");
        group.MapGet("", ListAsync).WithName("ListProducts").WithSummary("List the catalogue, a page at a time");
        group.MapGet("/{sku}", GetAsync).WithName("GetProduct").WithSummary("Read a product and its stock");
        group.MapPut("/{sku}", UpdateAsync).WithName("UpdateProduct").WithSummary("Change a product's name, price or available stock");
        return group;
    }

    private static async Task<Results<Created<ProductResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateProductRequest request, IMessageBus bus, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (request.Validate(errors) is not (string sku, ProductValues product))
        {
            return errors.ToProblem();
        }

        await using var session = await bus.BeginAsync(cancellationToken);
        var inserted = await session.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO products (sku, name, price_cents, available, reserved, committed)
            VALUES (@Sku, @Name, @PriceCents, @Stock, 0, 0)
            ON CONFLICT (sku) DO NOTHING
            """,
            new { Sku = sku, product.Name, product.PriceCents, product.Stock },
            session.Transaction,
            cancellationToken: cancellationToken));
        if (inserted == 0)
        {
            return Problems.Conflict("The sku is already taken.", $"A product with sku '{sku}' already exists.", "SKU_TAKEN");
        }

        await session.CommitAsync(cancellationToken);
        var created = new ProductRow(sku, product.Name, product.PriceCents, product.Stock, 0, 0).ToResponse();
        return TypedResults.Created($"/api/v1/products/{Uri.EscapeDataString(sku)}", created);
    }

    private static async Task<Results<PageResult<ProductResponse>, ValidationProblem>> ListAsync(
        string? page, string? limit, IServiceDatabase database, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var request = PageRequest.Parse(page, limit, errors);
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return PageResults.Ok(await new SqlFilter().ReadPageAsync<ProductRow, ProductResponse>(
            connection, ProductRow.Columns, "products", "sku", request, row => row.ToResponse(), cancellationToken));
    }

    private static async Task<Results<Ok<ProductResponse>, ProblemHttpResult>> GetAsync(
        string sku, IServiceDatabase database, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await FindAsync(connection, null, sku, cancellationToken) is { } product
            ? TypedResults.Ok(product.ToResponse())
            : ProductNotFound(sku);
    }

    private static async Task<Results<Ok<ProductResponse>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        string sku, UpdateProductRequest request, IMessageBus bus, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (request.Validate(errors) is not { } values)
        {
            return errors.ToProblem();
        }

        await using var session = await bus.BeginAsync(cancellationToken);
        var updated = await session.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE products SET name = @Name, price_cents = @PriceCents, available = @Stock WHERE sku = @Sku",
            new { Sku = sku, values.Name, values.PriceCents, values.Stock },
            session.Transaction,
            cancellationToken: cancellationToken));
        if (updated == 0)
        {
            return ProductNotFound(sku);
        }

        var product = await FindAsync(session.Connection, session.Transaction, sku, cancellationToken);
        await session.CommitAsync(cancellationToken);
        return TypedResults.Ok(product!.ToResponse());
    }

    private static Task<ProductRow?> FindAsync(DbConnection connection, DbTransaction? transaction, string sku, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<ProductRow>(new CommandDefinition(
            $"SELECT {ProductRow.Columns} FROM products WHERE sku = @Sku",
            new { Sku = sku },
            transaction,
            cancellationToken: cancellationToken));

    private static ProblemHttpResult ProductNotFound(string sku) =>
        TypedResults.Problem(title: "Product not found.", detail: $"No product has the sku '{sku}'.", statusCode: StatusCodes.Status404NotFound);
}
