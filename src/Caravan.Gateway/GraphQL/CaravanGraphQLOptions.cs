using System.ComponentModel.DataAnnotations;

namespace Caravan.Gateway.GraphQL;

/// <summary>
/// The limits of <c>/graphql</c>, bound from <c>Caravan:Gateway:GraphQL</c>. A document deeper than
/// <see cref="MaxDepth"/> or costlier than <see cref="MaxComplexity"/> is rejected before any resolver runs.
/// </summary>
public sealed class CaravanGraphQLOptions
{
    public const string SectionName = "Caravan:Gateway:GraphQL";

    /// <summary>The deepest field nesting a document may have (<c>users { orders { id } }</c> is 3).</summary>
    [Range(1, 100)]
    public int MaxDepth { get; set; } = 10;

    /// <summary>
    /// The highest cost GraphQL.NET's complexity analyzer may compute: every field costs 1, and each list
    /// multiplies what is below it by <see cref="ListMultiplier"/>.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxComplexity { get; set; } = 5_000;

    /// <summary>How many items the complexity analyzer assumes a list holds.</summary>
    [Range(1, 100)]
    public int ListMultiplier { get; set; } = 5;

    /// <summary>How long one call to a service may take, retries included, before it counts as unavailable.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan ServiceTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
