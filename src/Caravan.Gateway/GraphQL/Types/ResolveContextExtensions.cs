using Caravan.Gateway.GraphQL.Batching;
using GraphQL;

namespace Caravan.Gateway.GraphQL.Types;

/// <summary>What resolvers take from their context: the request's services and checked arguments.</summary>
internal static class ResolveContextExtensions
{
    public const int MaxLimit = 100;

    public static T Service<T>(this IResolveFieldContext context)
        where T : notnull =>
        (context.RequestServices ?? throw new InvalidOperationException("GraphQL requests run with their request services."))
            .GetRequiredService<T>();

    public static RequestLoaders Loaders(this IResolveFieldContext context) => context.Service<RequestLoaders>();

    /// <summary>An <c>ID</c> argument as a GUID, or <c>BAD_USER_INPUT</c>; null when absent.</summary>
    public static Guid? GuidArgument(this IResolveFieldContext context, string name)
    {
        var value = context.GetArgument<string?>(name);
        if (value is null)
        {
            return null;
        }

        return Guid.TryParse(value, out var id)
            ? id
            : throw CaravanGraphQLError.BadUserInput(name, $"'{name}' must be an id (a GUID); '{value}' is not.");
    }

    /// <summary><c>page</c> (from 1, default 1) and <c>limit</c> (1–100, default 20), or <c>BAD_USER_INPUT</c>.</summary>
    public static (int Page, int Limit) PageArguments(this IResolveFieldContext context)
    {
        var page = context.GetArgument("page", 1);
        var limit = context.GetArgument("limit", 20);
        if (page < 1)
        {
            throw CaravanGraphQLError.BadUserInput("page", "'page' must be 1 or more.");
        }

        return limit is >= 1 and <= MaxLimit
            ? (page, limit)
            : throw CaravanGraphQLError.BadUserInput("limit", $"'limit' must be between 1 and {MaxLimit}.");
    }
}
