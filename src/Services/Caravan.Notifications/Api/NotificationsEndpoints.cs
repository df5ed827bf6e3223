using Caravan.Messaging;
using Caravan.ServiceDefaults.Data;
using Caravan.ServiceDefaults.Paging;
using Caravan.ServiceDefaults.Problems;
using Caravan.ServiceDefaults.Versioning;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Caravan.Notifications.Api;

/// <summary>The read-only notifications API; notifications come only from order events. Lists are newest first.</summary>
internal static class NotificationsEndpoints
{
    private static readonly ReadModelTable<NotificationRecord> Notifications =
        new("notifications", NotificationRecord.Columns, "created_at DESC, id DESC", "id");

    public static void Map(IEndpointRouteBuilder routes)
    {
        var notifications = routes.MapApiResource("notifications").WithTags("Notifications");
        notifications.MapGet("", ListAsync).WithName("ListNotifications").WithSummary("List notifications, newest first");
        notifications.MapGet("/{id:guid}", GetAsync).WithName("GetNotification").WithSummary("Read a notification");
    }

    /// <summary><c>GET /api/v1/notifications?orderId=&amp;userId=&amp;kind=&amp;page=&amp;limit=</c>.</summary>
    private static async Task<Results<PageResult<NotificationResponse>, ValidationProblem>> ListAsync(
        [FromQuery] string? orderId,
        [FromQuery] string? userId,
        [FromQuery] string? kind,
        [FromQuery] string? page,
        [FromQuery] string? limit,
        IServiceDatabase database,
        CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var order = QueryValues.ReadGuid(orderId, "orderId", errors);
        var user = QueryValues.ReadGuid(userId, "userId", errors);
        var type = QueryValues.ReadEnum<NotificationKind>(kind, "kind", errors);
        var request = PageRequest.Parse(page, limit, errors);
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }

        var filter = new SqlFilter();
        filter.Add("order_id", order?.ToString());
        filter.Add("user_id", user?.ToString());
        filter.Add("kind", type?.ToString());
        return PageResults.Ok(await Notifications.ReadPageAsync(database, filter, request, NotificationResponse.From, cancellationToken));
    }

    /// <summary><c>GET /api/v1/notifications/{id}</c>: 404 when unknown.</summary>
    private static async Task<Results<Ok<NotificationResponse>, ProblemHttpResult>> GetAsync(
        Guid id, IServiceDatabase database, CancellationToken cancellationToken)
    {
        var row = await Notifications.FindAsync(database, id, cancellationToken);
        return row is null ? Problems.NotFound("Notification", id) : TypedResults.Ok(NotificationResponse.From(row));
    }
}
