using Caravan.ServiceDefaults.Data;

namespace Caravan.Users.Users;

/// <summary>A user as the API shows it.</summary>
internal sealed record UserResponse(Guid Id, string Name, string Email, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A users row as Dapper reads it (ids and timestamps are TEXT).</summary>
internal sealed record UserRow(string Id, string Name, string Email, string CreatedAt, string UpdatedAt)
{
    /// <summary>The select list that matches this record's constructor.</summary>
    public const string Columns = "id AS Id, name AS Name, email AS Email, created_at AS CreatedAt, updated_at AS UpdatedAt";

    public UserResponse ToResponse() =>
        new(Guid.Parse(Id), Name, Email, Timestamps.Parse(CreatedAt), Timestamps.Parse(UpdatedAt));
}
