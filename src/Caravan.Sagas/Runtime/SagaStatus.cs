namespace Caravan.Sagas;

/// <summary>Where a saga instance is in its life.</summary>
public enum SagaStatus
{
    /// <summary>Running its steps forward.</summary>
    Running,

    /// <summary>A step failed; completed steps are being undone in reverse order.</summary>
    Compensating,

    /// <summary>Every step succeeded. Final.</summary>
    Completed,

    /// <summary>A step failed and every completed step was undone. Final.</summary>
    Compensated,

    /// <summary>A compensation kept failing; waits for an operator to retry it or mark the saga resolved.</summary>
    Stuck,

    /// <summary>An operator marked a stuck saga as resolved by hand. Final.</summary>
    Resolved,
}

/// <summary>Where one step is.</summary>
public enum SagaStepStatus
{
    Pending,
    Running,
    Completed,
    Failed,
    Compensating,
    Compensated,
}

/// <summary>Whether the saga is moving forward or undoing.</summary>
public enum SagaPhase
{
    Forward,
    Compensation,
}

public static class SagaStatusExtensions
{
    /// <summary>True for Completed, Compensated and Resolved: nothing will change any more.</summary>
    public static bool IsFinal(this SagaStatus status) =>
        status is SagaStatus.Completed or SagaStatus.Compensated or SagaStatus.Resolved;
}
