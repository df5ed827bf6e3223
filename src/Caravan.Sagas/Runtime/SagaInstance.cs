using System.Text.Json.Serialization;

namespace Caravan.Sagas;

/// <summary>
/// A durable saga: its data, the state of each step, and where it is. Stored as one row in the
/// orchestrator's database and updated in the same transaction as the commands it sends, with
/// <see cref="Version"/> guarding against concurrent updates.
/// </summary>
public sealed class SagaInstance
{
    public required Guid Id { get; init; }

    /// <summary>The name of the saga definition this instance runs.</summary>
    public required string Definition { get; init; }

    public SagaStatus Status { get; set; }

    /// <summary>The saga's data, serialized as JSON (the definition's data type).</summary>
    public required string Data { get; set; }

    public required List<SagaStepState> Steps { get; init; }

    /// <summary>The step being run or compensated.</summary>
    public int CurrentStep { get; set; }

    public SagaPhase Phase { get; set; }

    /// <summary>Attempt number of the current step's action or compensation (1 for the first send).</summary>
    public int Attempt { get; set; }

    /// <summary>Ids of the commands sent for the current step and phase whose reply is still awaited. A reply to anything else is late and ignored.</summary>
    public List<Guid> AwaitedCommands { get; init; } = [];

    /// <summary>Why the saga failed (the failed step and its reason), once it has.</summary>
    public string? FailureReason { get; set; }

    /// <summary>Why the saga is stuck, while it is.</summary>
    public string? StuckReason { get; set; }

    /// <summary>Increases with every stored change (optimistic concurrency).</summary>
    public long Version { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    [JsonIgnore]
    public bool IsFinal => Status.IsFinal();
}

/// <summary>The state of one step of a saga instance, as shown to users and operators.</summary>
public sealed class SagaStepState
{
    public required string Name { get; init; }

    public SagaStepStatus Status { get; set; }

    /// <summary>Why the step failed, or why its compensation is retried or stuck.</summary>
    public string? Reason { get; set; }

    /// <summary>How many times the action was sent.</summary>
    public int Attempts { get; set; }

    /// <summary>How many times the compensation was sent.</summary>
    public int CompensationAttempts { get; set; }

    /// <summary>The action may have happened without a reply (it timed out): it is compensated too.</summary>
    public bool Uncertain { get; set; }
}
