namespace Caravan.Notifications;

/// <summary>One row of <c>notifications</c>, as stored (ids and times as text).</summary>
internal sealed record NotificationRecord(string Id, string OrderId, string UserId, string Kind, string Message, string CreatedAt)
{
    /// <summary>The columns in the order of the constructor, named like its parameters, so Dapper maps a SELECT of them onto this record.</summary>
    public const string Columns = "id AS Id, order_id AS OrderId, user_id AS UserId, kind AS Kind, message AS Message, created_at AS CreatedAt";
}
