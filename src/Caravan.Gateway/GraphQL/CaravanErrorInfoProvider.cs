using GraphQL;
using GraphQL.Execution;

namespace Caravan.Gateway.GraphQL;

/// <summary>
/// GraphQL.NET's error formatting (message, locations, path, <c>extensions.code</c>; not the codes of
/// inner exceptions, which tell callers about the gateway's internals), plus
/// <c>extensions.details: [{ field, message }]</c> for errors about invalid input, the same details a
/// service's validation problem carries.
/// </summary>
internal sealed class CaravanErrorInfoProvider() : ErrorInfoProvider(new ErrorInfoProviderOptions { ExposeData = false, ExposeCodes = false })
{
    public override ErrorInfo GetInfo(ExecutionError executionError)
    {
        var info = base.GetInfo(executionError);
        if (executionError is CaravanGraphQLError { Details.Count: > 0 } error)
        {
            var extensions = info.Extensions ?? new Dictionary<string, object?>(StringComparer.Ordinal);
            extensions["details"] = error.Details.Select(detail => new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["field"] = detail.Field,
                ["message"] = detail.Message,
            }).ToList();
            info.Extensions = extensions;
        }

        return info;
    }
}
