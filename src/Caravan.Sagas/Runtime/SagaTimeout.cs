namespace Caravan.Sagas;

/// <summary>
/// Scheduled by the orchestrator to itself when it sends a step's command: if it arrives while the
/// saga still waits on that very step, phase and attempt, the step has timed out. Otherwise it is stale and ignored.
/// </summary>
public sealed record SagaTimeout(Guid SagaId, int Step, SagaPhase Phase, int Attempt, Guid? Command = null);
