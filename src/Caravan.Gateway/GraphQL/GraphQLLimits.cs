using GraphQL.Validation.Complexity;
using GraphQL.Validation.Errors.Custom;
using GraphQLParser.AST;

namespace Caravan.Gateway.GraphQL;

/// <summary>
/// Configures GraphQL.NET's complexity analyzer from <see cref="CaravanGraphQLOptions"/>. The complexity
/// limit applies to every operation; the depth limit to every operation that reaches the services. An
/// operation that only introspects the schema (every top-level field a <c>__</c> one) never calls a
/// service and may go <see cref="IntrospectionExtraDepth"/> levels deeper, enough for the standard
/// introspection query of GraphiQL and the code generators (13 levels).
/// </summary>
internal static class GraphQLLimits
{
    public const int IntrospectionExtraDepth = 5;

    public static void Apply(ComplexityOptions complexity, CaravanGraphQLOptions limits)
    {
        complexity.MaxComplexity = limits.MaxComplexity;
        complexity.DefaultListImpactMultiplier = limits.ListMultiplier;

        // Depth is checked here rather than by MaxDepth, which knows no exception for introspection.
        complexity.MaxDepth = null;
        complexity.ValidateComplexityDelegate = context =>
        {
            var allowed = limits.MaxDepth + (IsIntrospectionOnly(context.ValidationContext.Operation) ? IntrospectionExtraDepth : 0);
            if (context.MaxDepth > allowed)
            {
                context.Error = new ComplexityError(
                    $"Query is too nested to execute. Its depth is {context.MaxDepth} levels; the most allowed on this endpoint is {allowed}.");
            }

            return Task.CompletedTask;
        };
    }

    private static bool IsIntrospectionOnly(GraphQLOperationDefinition operation) =>
        operation.SelectionSet.Selections.All(selection =>
            selection is GraphQLField field && field.Name.StringValue.StartsWith("__", StringComparison.Ordinal));
}
