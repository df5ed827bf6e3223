namespace Caravan.ServiceDefaults.RequestIds;

/// <summary>Makes the id of a request that came without a valid one. Must return a value <see cref="RequestId.IsValid"/> accepts.</summary>
public interface IRequestIdGenerator
{
    string NewId();
}
