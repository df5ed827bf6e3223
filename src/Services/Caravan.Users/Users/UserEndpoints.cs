using System.Data.Common;
using Caravan.Messaging;
using Caravan.ServiceDefaults.Data;
using Caravan.ServiceDefaults.Paging;
using Caravan.ServiceDefaults.Problems;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Caravan.Users.Users;

/// <summary>
/// <c>/api/v1/users</c>: create, list, read, replace and delete users. An id that is not a GUID names
/// no user, so it answers 404 like an unknown one. E-mail addresses are unique among live users,
/// ignoring case: the partial unique index on the normalised address decides, so two requests racing
/// for one address get one success and one 409 on either engine.
/// </summary>
internal static class UserEndpoints
{
    public static RouteGroupBuilder MapUserEndpoints(this RouteGroupBuilder group)
    {
        group.MapPost("", CreateAsync).WithName("CreateUser").WithSummary("Create a user");
        group.MapGet("", ListAsync).WithName("ListUsers").WithSummary("List users, a page at a time");
        group.MapGet("/{id}", GetAsync).WithName("GetUser").WithSummary("Read a user");
        group.MapPut("/{id}", UpdateAsync).WithName("ReplaceUser").WithSummary("Replace a user's name and e-mail");
        group.MapDelete("/{id}", DeleteAsync).WithName("DeleteUser").WithSummary("Delete a user");
        return group;
    }

    /// <summary>Reads a live user, or null for an unknown, deleted or malformed id.</summary>
    internal static async Task<UserResponse?> FindAsync(IServiceDatabase database, string id, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var userId))
        {
            return null;
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<UserRow>(new CommandDefinition(
            $"SELECT {UserRow.Columns} FROM users WHERE id = @Id AND deleted_at IS NULL",
            new { Id = userId.ToString() },
            cancellationToken: cancellationToken));
        return row?.ToResponse();
    }

    private static async Task<Results<Created<UserResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        UserRequest request, IMessageBus bus, IMessageIdGenerator ids, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (request.Validate(errors) is not (string name, string email))
        {
            return errors.ToProblem();
        }

        var now = time.GetUtcNow();
        var user = new UserResponse(ids.NewId(), name, email, now, now);
        await using var session = await bus.BeginAsync(cancellationToken);

        // No conflict target: the only unique key a fresh id can hit is the e-mail index.
        var inserted = await session.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO users (id, name, email, email_key, created_at, updated_at)
            VALUES (@Id, @Name, @Email, @EmailKey, @Now, @Now)
            ON CONFLICT DO NOTHING
            """,
            new { Id = user.Id.ToString(), Name = name, Email = email, EmailKey = UserRequest.EmailKey(email), Now = Timestamps.ToText(now) },
            session.Transaction,
            cancellationToken: cancellationToken));
        if (inserted == 0)
        {
            return EmailTaken(email);
        }

        await session.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/users/{user.Id}", user);
    }

    /// <summary><c>GET /api/v1/users?id=&amp;id=…&amp;page=&amp;limit=</c>: live users, optionally only those ids (at most 100).</summary>
    private static async Task<Results<PageResult<UserResponse>, ValidationProblem>> ListAsync(
        string? page, string? limit, string[]? id, IServiceDatabase database, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var ids = QueryValues.ReadGuids(id, "id", errors);
        var request = PageRequest.Parse(page, limit, errors);
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }

        var live = new SqlFilter();
        live.AddCondition("deleted_at IS NULL");
        live.AddAny("id", [.. ids.Select(user => user.ToString())]);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return PageResults.Ok(await live.ReadPageAsync<UserRow, UserResponse>(
            connection, UserRow.Columns, "users", "created_at, id", request, row => row.ToResponse(), cancellationToken));
    }

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> GetAsync(
        string id, IServiceDatabase database, CancellationToken cancellationToken) =>
        await FindAsync(database, id, cancellationToken) is { } user ? TypedResults.Ok(user) : UserNotFound(id);

    private static async Task<Results<Ok<UserResponse>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        string id, UserRequest request, IMessageBus bus, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (request.Validate(errors) is not (string name, string email))
        {
            return errors.ToProblem();
        }

        if (!Guid.TryParse(id, out var userId))
        {
            return UserNotFound(id);
        }

        var now = time.GetUtcNow();
        var emailKey = UserRequest.EmailKey(email);
        await using var session = await bus.BeginAsync(cancellationToken);
        var existing = await session.Connection.QuerySingleOrDefaultAsync<UserRow>(new CommandDefinition(
            $"SELECT {UserRow.Columns} FROM users WHERE id = @Id AND deleted_at IS NULL",
            new { Id = userId.ToString() },
            session.Transaction,
            cancellationToken: cancellationToken));
        if (existing is null)
        {
            return UserNotFound(id);
        }

        try
        {
            await session.Connection.ExecuteAsync(new CommandDefinition(
                "UPDATE users SET name = @Name, email = @Email, email_key = @EmailKey, updated_at = @Now WHERE id = @Id",
                new { Name = name, Email = email, EmailKey = emailKey, Now = Timestamps.ToText(now), existing.Id },
                session.Transaction,
                cancellationToken: cancellationToken));
        }
        catch (DbException exception) when (SqlDialect.IsUniqueViolation(exception))
        {
            // The unique index decides, not a look-up before the write: on PostgreSQL another request can
            // take the address between a look-up and this UPDATE. The transaction is rolled back on dispose.
            return EmailTaken(email);
        }

        await session.CommitAsync(cancellationToken);
        return TypedResults.Ok((existing with { Name = name, Email = email, UpdatedAt = Timestamps.ToText(now) }).ToResponse());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string id, IMessageBus bus, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var userId))
        {
            return UserNotFound(id);
        }

        await using var session = await bus.BeginAsync(cancellationToken);
        var now = Timestamps.ToText(time.GetUtcNow());
        var deleted = await session.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET deleted_at = @Now, updated_at = @Now WHERE id = @Id AND deleted_at IS NULL",
            new { Id = userId.ToString(), Now = now },
            session.Transaction,
            cancellationToken: cancellationToken));
        if (deleted == 0)
        {
            return UserNotFound(id);
        }

        await session.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    internal static ProblemHttpResult UserNotFound(string id) => Problems.NotFound("User", id);

    private static ProblemHttpResult EmailTaken(string email) =>
        Problems.Conflict("The e-mail address is already taken.", $"Another user is registered with '{email}'.", "EMAIL_TAKEN");
}
