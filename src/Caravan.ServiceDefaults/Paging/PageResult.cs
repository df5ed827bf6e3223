using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;

namespace Caravan.ServiceDefaults.Paging;

/// <summary>
/// A 200 with a <see cref="Page{T}"/> body and its <c>Link</c> header (<see cref="PageLinks"/>), the
/// answer of every list endpoint. It declares the 200 <see cref="Page{T}"/> response in the
/// endpoint's metadata, as <see cref="Ok{TValue}"/> does.
/// </summary>
public sealed class PageResult<T> : IResult, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<Page<T>>, IEndpointMetadataProvider
{
    internal PageResult(Page<T> page) => Value = page;

    public Page<T> Value { get; }

    object? IValueHttpResult.Value => Value;

    public int StatusCode => StatusCodes.Status200OK;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        PageLinks.Add(httpContext, Value.Pagination);
        return TypedResults.Ok(Value).ExecuteAsync(httpContext);
    }

    static void IEndpointMetadataProvider.PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(Page<T>), ["application/json"]));
    }
}

/// <summary>Makes <see cref="PageResult{T}"/>s.</summary>
public static class PageResults
{
    /// <summary>200 with <paramref name="page"/> as the body and its <c>Link</c> header.</summary>
    public static PageResult<T> Ok<T>(Page<T> page)
    {
        ArgumentNullException.ThrowIfNull(page);
        return new PageResult<T>(page);
    }
}
