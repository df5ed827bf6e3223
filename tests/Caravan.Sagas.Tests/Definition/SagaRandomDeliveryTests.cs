using Xunit.Abstractions;

namespace Caravan.Sagas.Tests;

/// <summary>
/// Property-style: a seeded world of participants that answer, lose, duplicate and reorder replies, and
/// timeouts delivered at random moments. Whatever the order, a saga never undoes a step twice, never
/// moves forward again once it compensates, and ends Completed, Compensated or Stuck.
/// </summary>
public sealed class SagaRandomDeliveryTests(ITestOutputHelper output)
{
    private const int Runs = 400;

    [Fact]
    public async Task RandomRepliesTimeoutsAndDuplicates_KeepTheSagaInvariants()
    {
        var endings = new Dictionary<SagaStatus, int>();
        for (var seed = 1; seed <= Runs; seed++)
        {
            var status = await RunAsync(seed);
            endings[status] = endings.GetValueOrDefault(status) + 1;
        }

        output.WriteLine(Describe(endings));

        // The seeds reach every ending, so each invariant above was exercised.
        Assert.True(endings.GetValueOrDefault(SagaStatus.Completed) > 10, Describe(endings));
        Assert.True(endings.GetValueOrDefault(SagaStatus.Compensated) > 10, Describe(endings));
        Assert.True(endings.GetValueOrDefault(SagaStatus.Stuck) + endings.GetValueOrDefault(SagaStatus.Resolved) > 5, Describe(endings));
    }

    private static string Describe(Dictionary<SagaStatus, int> endings) =>
        string.Join(", ", endings.Select(ending => $"{ending.Key}: {ending.Value}"));

    private static async Task<SagaStatus> RunAsync(int seed)
    {
        var random = new Random(seed);
        var saga = new SagaHarness { Random = random.NextDouble };
        var world = new World(saga, random);
        var operatorRetries = 0;
        var everCompleted = new bool[3];
        var everCompensated = new bool[3];
        var compensationStarted = false;
        saga.Start();
        world.Observe();

        for (var delivery = 0; delivery < 10_000; delivery++)
        {
            if (world.Pending.Count == 0)
            {
                if (saga.Instance.Status == SagaStatus.Stuck && operatorRetries < 2 && random.NextDouble() < 0.7)
                {
                    operatorRetries++;
                    await saga.RetryAsync();
                    world.Observe();
                    continue;
                }

                if (saga.Instance.Status == SagaStatus.Stuck && random.NextDouble() < 0.3)
                {
                    await saga.ResolveAsync("fixed by hand");
                }

                break;
            }

            await world.DeliverOneAsync();
            world.Observe();

            // Invariants after every delivery.
            var instance = saga.Instance;
            for (var index = 0; index < 3; index++)
            {
                var status = instance.Steps[index].Status;
                everCompleted[index] |= status == SagaStepStatus.Completed;
                Check(seed, !everCompensated[index] || status == SagaStepStatus.Compensated, $"step {index} left Compensated for {status}");
                everCompensated[index] |= status == SagaStepStatus.Compensated;
            }

            compensationStarted |= instance.Phase == SagaPhase.Compensation;
            Check(seed, !compensationStarted || instance.Status is not (SagaStatus.Running or SagaStatus.Completed), $"compensating saga went back to {instance.Status}");
            Check(seed, world.CompensationsAfterForward(), "a step's action was sent after compensation began");
            for (var index = 0; index < 3; index++)
            {
                var budget = saga.Options.CompensationRetry.MaxAttempts * (1 + operatorRetries);
                Check(seed, world.CompensationsOf(index) <= budget, $"step {index} compensated {world.CompensationsOf(index)} times, budget {budget}");
                Check(seed, world.ActionsOf(index) <= saga.Options.ActionRetry.MaxAttempts, $"step {index} action sent {world.ActionsOf(index)} times");
            }

            Check(seed, saga.Hooks.Count("completed") <= 1 && saga.Hooks.Count("compensating") <= 1 && saga.Hooks.Count("compensated") <= 1, "a hook ran twice");
        }

        var final = saga.Instance;
        Check(seed, final.IsFinal || final.Status == SagaStatus.Stuck, $"ended {final.Status} with nothing left to deliver");
        Check(seed, world.CompensationOrderIsReverse(), "compensations were not sent newest step first");
        switch (final.Status)
        {
            case SagaStatus.Completed:
                Check(seed, final.Steps.All(step => step.Status == SagaStepStatus.Completed), "a completed saga with a step not completed");
                Check(seed, world.CompensationsOf(0) + world.CompensationsOf(1) + world.CompensationsOf(2) == 0, "a completed saga sent a compensation");
                Check(seed, saga.Hooks.Hooks.SequenceEqual(["completed"]), string.Join(",", saga.Hooks.Hooks));
                break;

            case SagaStatus.Compensated:
                for (var index = 0; index < 3; index++)
                {
                    var step = final.Steps[index];
                    var mustBeUndone = everCompleted[index] || step.Uncertain;
                    Check(seed, mustBeUndone == (step.Status == SagaStepStatus.Compensated), $"step {index} is {step.Status} (completed once: {everCompleted[index]}, uncertain: {step.Uncertain})");
                    Check(seed, mustBeUndone || world.CompensationsOf(index) == 0, $"step {index} never done but compensated");
                }

                Check(seed, saga.Hooks.Count("compensating") == 1 && saga.Hooks.Hooks[^1] == "compensated", string.Join(",", saga.Hooks.Hooks));
                Check(seed, saga.Hooks.Count("completed") == 0, "a compensated saga ran OnCompleted");
                break;

            case SagaStatus.Stuck:
                Check(seed, final.StuckReason is not null && saga.Hooks.Hooks[^1] == "stuck", "stuck without reason or hook");
                break;

            case SagaStatus.Resolved:
                Check(seed, saga.Hooks.Hooks[^1] == "resolved", "resolved without its hook");
                break;
        }

        return final.Status;
    }

    private static void Check(int seed, bool condition, string what) => Assert.True(condition, $"seed {seed}: {what}");

    /// <summary>The participants and the network: they answer each command, and replies and timeouts arrive in any order.</summary>
    private sealed class World(SagaHarness saga, Random random)
    {
        private readonly bool[] _actionSucceeds = [random.NextDouble() < 0.8, random.NextDouble() < 0.8, random.NextDouble() < 0.8];
        private readonly bool[] _undone = new bool[3];

        // How willing this run's participants are to undo: from hopeless (stuck) to reliable.
        private readonly double _undoChance = random.NextDouble();
        private readonly List<int> _commandSteps = [];
        private readonly List<bool> _commandIsCompensation = [];
        private int _seen;

        public List<(object? Reply, Guid InReplyTo, SentMessage? Timeout)> Pending { get; } = [];

        /// <summary>Answers (or loses, or duplicates) what the saga sent since the last look.</summary>
        public void Observe()
        {
            foreach (var sent in saga.SentSince(_seen))
            {
                switch (sent.Message)
                {
                    case SagaTimeout:
                        Pending.Add((null, Guid.Empty, sent));
                        break;
                    case ReserveStock or ChargePayment or CreateShipment:
                        var step = sent.Message switch { ReserveStock => 0, ChargePayment => 1, _ => 2 };
                        Record(step, compensation: false);
                        Answer(sent.Id, _actionSucceeds[step] ? Success(step) : Failure(step));
                        break;
                    case ReleaseStock or RefundPayment or CancelShipment:
                        var undone = sent.Message switch { ReleaseStock => 0, RefundPayment => 1, _ => 2 };
                        Record(undone, compensation: true);
                        _undone[undone] |= random.NextDouble() < _undoChance;
                        if (_undone[undone])
                        {
                            Answer(sent.Id, Compensated(undone));
                        }
                        else if (undone == 1)
                        {
                            Answer(sent.Id, new RefundFailed(saga.OrderId, "provider down"));
                        }

                        break;
                }
            }

            _seen = saga.Sent.Count;
        }

        public async Task DeliverOneAsync()
        {
            var index = random.Next(Pending.Count);
            var (reply, inReplyTo, timeout) = Pending[index];
            Pending.RemoveAt(index);
            if (timeout is not null)
            {
                if (timeout.Options.DeliverAt > saga.Now)
                {
                    saga.Now = timeout.Options.DeliverAt.Value;
                }

                await saga.TimeoutAsync((SagaTimeout)timeout.Message);
            }
            else
            {
                saga.Now += TimeSpan.FromMilliseconds(random.Next(1, 2_000));
                await saga.ReplyAsync(reply!, inReplyTo);
            }
        }

        public int ActionsOf(int step) => Count(step, compensation: false);

        public int CompensationsOf(int step) => Count(step, compensation: true);

        public bool CompensationsAfterForward()
        {
            var firstCompensation = _commandIsCompensation.IndexOf(true);
            return firstCompensation < 0 || !_commandIsCompensation.Skip(firstCompensation).Contains(false);
        }

        public bool CompensationOrderIsReverse()
        {
            var steps = _commandSteps.Where((_, index) => _commandIsCompensation[index]).ToList();
            return steps.Zip(steps.Skip(1)).All(pair => pair.Second <= pair.First);
        }

        private int Count(int step, bool compensation) =>
            _commandSteps.Where((s, index) => s == step && _commandIsCompensation[index] == compensation).Count();

        private void Record(int step, bool compensation)
        {
            _commandSteps.Add(step);
            _commandIsCompensation.Add(compensation);
        }

        private void Answer(Guid command, object reply)
        {
            var roll = random.NextDouble();
            if (roll < 0.2)
            {
                return; // lost: only the timeout moves the saga on
            }

            Pending.Add((reply, command, null));
            if (roll > 0.85)
            {
                Pending.Add((reply, command, null)); // delivered twice
            }
        }

        private object Success(int step) => step switch
        {
            0 => new StockReserved(saga.OrderId, saga.ReservationId),
            1 => new PaymentCharged(saga.OrderId, saga.PaymentId),
            _ => new ShipmentCreated(saga.OrderId, saga.TrackingNumber),
        };

        private object Failure(int step) => step switch
        {
            0 => new StockUnavailable(saga.OrderId, "out of stock"),
            1 => new PaymentDeclined(saga.OrderId, "declined"),
            _ => new ShipmentRejected(saga.OrderId, "rejected"),
        };

        private object Compensated(int step) => step switch
        {
            0 => new StockReleased(saga.OrderId),
            1 => new PaymentRefunded(saga.OrderId),
            _ => new ShipmentCancelled(saga.OrderId),
        };
    }
}
