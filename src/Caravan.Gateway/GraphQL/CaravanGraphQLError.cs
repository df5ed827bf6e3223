using GraphQL;

namespace Caravan.Gateway.GraphQL;

/// <summary>
/// An error a resolver reports: a message, a machine code (<see cref="GraphQLErrorCodes"/>) written to
/// <c>extensions.code</c>, and, for invalid input, the offending fields written to <c>extensions.details</c>.
/// </summary>
internal sealed class CaravanGraphQLError : ExecutionError
{
    public CaravanGraphQLError(string code, string message, IReadOnlyList<FieldError>? details = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
        Details = details ?? [];
    }

    public IReadOnlyList<FieldError> Details { get; }

    /// <summary>
    /// A fresh error with the same content: GraphQL.NET writes the path and locations of the field into
    /// the error it catches, so one failed batch must give each of its fields an error of its own.
    /// </summary>
    public CaravanGraphQLError Copy() => new(Code!, Message, Details, InnerException);

    public static CaravanGraphQLError NotFound(string what, string id) =>
        new(GraphQLErrorCodes.NotFound, $"{what} '{id}' was not found.");

    public static CaravanGraphQLError BadUserInput(string field, string message) =>
        new(GraphQLErrorCodes.BadUserInput, message, [new FieldError(field, message)]);

    public static CaravanGraphQLError Unavailable(string service, string reason, Exception? innerException = null) =>
        new(GraphQLErrorCodes.ServiceUnavailable, $"The {service} service is unavailable: {reason}", innerException: innerException);
}
