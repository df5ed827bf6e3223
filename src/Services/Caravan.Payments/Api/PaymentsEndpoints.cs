using Caravan.Messaging;
using Caravan.Payments.Charges;
using Caravan.ServiceDefaults.Data;
using Caravan.ServiceDefaults.Paging;
using Caravan.ServiceDefaults.Problems;
using Caravan.ServiceDefaults.Versioning;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Caravan.Payments.Api;

/// <summary>
/// The read-only payments API: charges, the ledger of money movements, and its totals. Money only
/// moves through messages (<c>ChargePayment</c>, <c>RefundPayment</c>). Lists are newest first.
/// </summary>
internal static class PaymentsEndpoints
{
    private static readonly ReadModelTable<ChargeRecord> Charges =
        new("charges", ChargeRecord.Columns, "created_at DESC, idempotency_key DESC", "payment_id");

    private static readonly ReadModelTable<LedgerRecord> Ledger = new("payment_ledger", LedgerRecord.Columns, "at DESC, entry_id DESC", "entry_id");

    public static void Map(IEndpointRouteBuilder routes)
    {
        var payments = routes.MapApiResource("payments").WithTags("Payments");
        payments.MapGet("", ListPaymentsAsync).WithName("ListPayments").WithSummary("List charges, newest first");
        payments.MapGet("/ledger", ListLedgerAsync).WithName("ListLedger").WithSummary("List the ledger of money movements, newest first");
        payments.MapGet("/summary", SummaryAsync).WithName("GetPaymentsSummary").WithSummary("Totals of the ledger");
        payments.MapGet("/{paymentId:guid}", GetPaymentAsync).WithName("GetPayment").WithSummary("Read a charge");
    }

    /// <summary><c>GET /api/v1/payments?orderId=&amp;status=&amp;page=&amp;limit=</c>: charges, including tombstones (with a null paymentId).</summary>
    private static async Task<Results<PageResult<PaymentResponse>, ValidationProblem>> ListPaymentsAsync(
        [FromQuery] string? orderId,
        [FromQuery] string? status,
        [FromQuery] string? page,
        [FromQuery] string? limit,
        IServiceDatabase database,
        CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var order = QueryValues.ReadGuid(orderId, "orderId", errors);
        var state = QueryValues.ReadEnum<ChargeStatus>(status, "status", errors);
        var request = PageRequest.Parse(page, limit, errors);
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }

        var filter = new SqlFilter();
        filter.Add("order_id", order?.ToString());
        filter.Add("status", state?.ToString());
        return PageResults.Ok(await Charges.ReadPageAsync(database, filter, request, PaymentResponse.From, cancellationToken));
    }

    /// <summary><c>GET /api/v1/payments/{paymentId}</c>: one charge or decline, 404 when unknown.</summary>
    private static async Task<Results<Ok<PaymentResponse>, ProblemHttpResult>> GetPaymentAsync(
        Guid paymentId, IServiceDatabase database, CancellationToken cancellationToken)
    {
        var row = await Charges.FindAsync(database, paymentId, cancellationToken);
        return row is null ? Problems.NotFound("Payment", paymentId) : TypedResults.Ok(PaymentResponse.From(row));
    }

    /// <summary><c>GET /api/v1/payments/ledger?orderId=&amp;page=&amp;limit=</c>: money movements.</summary>
    private static async Task<Results<PageResult<LedgerEntryResponse>, ValidationProblem>> ListLedgerAsync(
        [FromQuery] string? orderId,
        [FromQuery] string? page,
        [FromQuery] string? limit,
        IServiceDatabase database,
        CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var order = QueryValues.ReadGuid(orderId, "orderId", errors);
        var request = PageRequest.Parse(page, limit, errors);
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }

        var filter = new SqlFilter();
        filter.Add("order_id", order?.ToString());
        return PageResults.Ok(await Ledger.ReadPageAsync(database, filter, request, LedgerEntryResponse.From, cancellationToken));
    }

    /// <summary><c>GET /api/v1/payments/summary</c>: totals computed from the ledger alone, so they show whether money was conserved.</summary>
    private static async Task<Ok<PaymentsSummaryResponse>> SummaryAsync(IServiceDatabase database, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var totals = await connection.QuerySingleAsync<LedgerTotals>(new CommandDefinition(
            """
            SELECT
                CAST(COALESCE(SUM(CASE WHEN kind = 'Charge' THEN amount_cents END), 0) AS BIGINT) AS ChargedCents,
                CAST(COALESCE(SUM(CASE WHEN kind = 'Refund' THEN amount_cents END), 0) AS BIGINT) AS RefundedCents,
                COUNT(CASE WHEN kind = 'Charge' THEN 1 END) AS Charges,
                COUNT(CASE WHEN kind = 'Refund' THEN 1 END) AS Refunds
            FROM payment_ledger
            """,
            cancellationToken: cancellationToken));
        return TypedResults.Ok(new PaymentsSummaryResponse(
            Money.FromCents(totals.ChargedCents),
            Money.FromCents(totals.RefundedCents),
            Money.FromCents(totals.ChargedCents - totals.RefundedCents),
            totals.Charges,
            totals.Refunds));
    }

    private sealed record LedgerTotals(long ChargedCents, long RefundedCents, long Charges, long Refunds);
}
