using System;
using System.Collections.Generic;
using System.Linq;

namespace GraphDsl.Backends.Serving.Planning;

/// <summary>A rival of the chosen plan and, in one line, why it lost.</summary>
public sealed record Rival(PlanCandidate Candidate, string Reason, Simulated? Run);

/// <summary>What a plan found: how many candidates were screened, fitted and simulated, the simulated ones, their
/// Pareto front (output tokens/s per GPU against per user, best per GPU first), the best plan meeting the SLO (null when
/// none does) and why its nearest rivals lost.</summary>
public sealed record PlanResult(int Deployments, int Screened, int Fitting, IReadOnlyList<Simulated> Simulated, IReadOnlyList<Simulated> Pareto,
    Simulated? Best, IReadOnlyList<Rival> Rivals);

/// <summary>
/// The planner: every family screens its candidates with the step model; the candidates near the screen's Pareto front
/// (no other candidate better by more than <see cref="NearFront"/> in both tokens/s per GPU and per user), and the
/// best-estimated ones meeting the SLO, are simulated, at most <see cref="PlanSearch.Simulate"/> of them; the front,
/// the best plan and the rivals come from the simulations.
/// </summary>
public static class Planner
{
    /// <summary>How far behind the screen's front a candidate may be and still be simulated (the screen's error on
    /// serving is of this order: docs/serving.md).</summary>
    public const double NearFront = 0.25;

    /// <summary>How many rivals are explained.</summary>
    public const int RivalsShown = 5;

    public static PlanResult Run(PlanSearch search, IReadOnlyList<ICandidateFamily> families)
    {
        var screened = families.SelectMany(f => f.Screen(search)).ToList();
        var fitting = screened.Where(s => s.Estimate is not null).ToList();
        var chosen = ChooseAcross(fitting, search, families);
        // The simulations are independent (each its own engines over deployments compiled by the screen): run them at once.
        var runs = new Simulated[chosen.Count];
        System.Threading.Tasks.Parallel.For(0, chosen.Count, i => runs[i] = Judged(families.First(f => f.Kind == chosen[i].Candidate.Kind).Simulate(chosen[i], search), search));
        var simulated = runs.ToList();
        var front = Front(simulated.Where(s => s.HasFigures).ToList());
        var best = simulated.Where(s => s.HasFigures && s.Meets(search.Slo))
            .OrderByDescending(s => s.Report!.OutputTokensPerSecondPerGpu).ThenByDescending(s => s.Report!.OutputTokensPerSecondPerUser).FirstOrDefault();
        int deployments = screened.Select(s => s.Candidate.Shape).Distinct().Count();
        return new PlanResult(deployments, screened.Count, fitting.Count, simulated, front, best, Rivals(search, screened, simulated, best));
    }

    /// <summary>The share of a Poisson rate a run must serve, in requests per second over the run, not to count as
    /// outrun by it (the run's end drains the last requests, so a deployment that keeps up serves a little less than the
    /// rate).</summary>
    public const double KeptUpShare = 0.9;

    /// <summary>Whether Poisson traffic outran the deployment: the step model puts the rate above its capacity (the screen's
    /// TTFT is infinite) and the simulation agrees, serving less than <see cref="KeptUpShare"/> of the rate. Its queue then
    /// grows without bound, and the p90 TTFT of the requests simulated grows with their count: 1,000 requests/s on one H100
    /// serving 11.7 of them (Llama 3 8B, 2,048-token prompts) met a 10-minute TTFT target over 500 requests and was the best
    /// plan.</summary>
    public static bool Overloaded(Simulated s, PlanSearch search) =>
        search.Workload.Kind == Specs.WorkloadKind.Poisson && s.Screened.Estimate is { TtftMs: double.PositiveInfinity }
        && s.Report is { } r && !(r.RequestThroughput >= KeptUpShare * search.Workload.Rate);

    private static Simulated Judged(Simulated s, PlanSearch search) => Overloaded(s, search) ? s with { Overloaded = true } : s;

    /// <summary>The simulation slots split evenly over the families whose candidates fit (the first ones taking the
    /// remainder, and a family with fewer worth simulating leaving its slots to the others), so every kind of serving
    /// reaches the front and the best plan is chosen between kinds on simulations, not on the screen's estimates,
    /// whose errors differ between kinds.</summary>
    private static List<Screened> ChooseAcross(List<Screened> fitting, PlanSearch search, IReadOnlyList<ICandidateFamily> families)
    {
        var kinds = families.Select(f => f.Kind).Where(k => fitting.Any(s => s.Candidate.Kind == k)).ToList();
        var chosen = new List<Screened>();
        for (int i = 0; i < kinds.Count; i++)
        {
            int slots = (search.Simulate - chosen.Count) / (kinds.Count - i) + ((search.Simulate - chosen.Count) % (kinds.Count - i) > 0 ? 1 : 0);
            chosen.AddRange(Choose(fitting.Where(s => s.Candidate.Kind == kinds[i]).ToList(), search, slots));
        }
        return chosen;
    }

    /// <summary>The candidates to simulate: the best-estimated third of the slots go to candidates whose estimate meets
    /// the SLO (most tokens/s per GPU first), the rest to the screen's near-front candidates, spread evenly along it.</summary>
    private static List<Screened> Choose(List<Screened> fitting, PlanSearch search, int slots)
    {
        var chosen = new List<Screened>();
        // Limits beyond what the traffic fills behave alike: one of them is simulated.
        bool Alike(Screened a, Screened b) => a.Candidate.Shape == b.Candidate.Shape
            && Close(a.Estimate!.Value.OutputTokensPerSecondPerGpu, b.Estimate!.Value.OutputTokensPerSecondPerGpu)
            && Close(a.Estimate!.Value.OutputTokensPerSecondPerUser, b.Estimate!.Value.OutputTokensPerSecondPerUser);
        void Add(Screened s) { if (chosen.Count < slots && !chosen.Any(c => Alike(c, s))) chosen.Add(s); }
        foreach (var s in fitting.Where(s => s.Estimate!.Value.Meets(search.Slo)).OrderByDescending(s => s.Estimate!.Value.OutputTokensPerSecondPerGpu).Take(Math.Max(1, slots / 3)))
            Add(s);
        var near = Unbeaten(fitting, 1 + NearFront).OrderBy(s => s.Estimate!.Value.OutputTokensPerSecondPerUser).ToList();
        int room = slots - chosen.Count;
        if (near.Count <= room) near.ForEach(Add);
        else for (int i = 0; i < room; i++) Add(near[(int)((long)i * (near.Count - 1) / Math.Max(1, room - 1))]);
        // Slots the spread left over (it may pick one twice) go to the near-front candidates in order.
        foreach (var s in near) Add(s);
        return chosen;
    }

    private static bool Close(double a, double b) => Math.Abs(a - b) <= 0.01 * Math.Max(Math.Abs(a), Math.Abs(b));

    /// <summary>The candidates that no other beats by more than <paramref name="factor"/> in both tokens/s per GPU and per user,
    /// in their order. One sweep down tokens/s per GPU keeps the best per-user figure of the candidates ahead of the current
    /// one by more than the factor (a prefix of the sweep, growing as it goes): O(n log n). Testing every pair took 140 s of
    /// a 144 s plan on the 31,746 xPyD splits of 256 H100s, and a plan over 1 to 1,024 GPUs did not end in 10 minutes.</summary>
    public static List<Screened> Unbeaten(IReadOnlyList<Screened> candidates, double factor)
    {
        double G(int i) => candidates[i].Estimate!.Value.OutputTokensPerSecondPerGpu;
        double U(int i) => candidates[i].Estimate!.Value.OutputTokensPerSecondPerUser;
        var order = Enumerable.Range(0, candidates.Count).OrderByDescending(G).ToArray();
        var beaten = new bool[candidates.Count];
        double bestUser = double.NegativeInfinity;
        int ahead = 0;
        foreach (int p in order)
        {
            for (; ahead < order.Length && G(order[ahead]) > G(p) * factor; ahead++) bestUser = Math.Max(bestUser, U(order[ahead]));
            beaten[p] = bestUser > U(p) * factor;
        }
        return candidates.Where((_, i) => !beaten[i]).ToList();
    }

    /// <summary>The runs no other run matches or beats in both output tokens/s per GPU and per user, most per GPU first.</summary>
    public static List<Simulated> Front(IReadOnlyList<Simulated> runs)
    {
        static (double G, double U) F(Simulated s) => (s.Report!.OutputTokensPerSecondPerGpu, s.Report!.OutputTokensPerSecondPerUser);
        return runs.Where(p => !runs.Any(q => !ReferenceEquals(p, q) && F(q).G >= F(p).G && F(q).U >= F(p).U && (F(q).G > F(p).G || F(q).U > F(p).U)))
            .GroupBy(F).Select(g => g.First())
            .OrderByDescending(s => F(s).G).ToList();
    }

    /// <summary>The simulated runs closest to the plan (most tokens/s per GPU first) and the best-ranked candidates that do
    /// not fit, each with why it lost.</summary>
    private static List<Rival> Rivals(PlanSearch search, List<Screened> screened, List<Simulated> simulated, Simulated? best)
    {
        var rivals = new List<Rival>();
        // One rival per deployment (its best-scheduled run), closest to the plan first.
        var others = simulated.Where(s => s != best)
            .OrderBy(s => s.HasFigures ? 0 : 1)
            .ThenByDescending(s => s.HasFigures ? s.Report!.OutputTokensPerSecondPerGpu : 0)
            .GroupBy(s => s.Candidate.Shape).Select(g => g.First());
        foreach (var s in others.Take(RivalsShown))
            rivals.Add(new Rival(s.Candidate, Why(search, s, best), s));
        // The smallest deployments that do not fit, one per layout.
        foreach (var s in screened.Where(s => s.Estimate is null).GroupBy(s => s.Candidate.Shape).Select(g => g.First())
                     .OrderBy(s => s.Candidate.Gpus).Take(2))
            rivals.Add(new Rival(s.Candidate, s.Problem!, null));
        return rivals;
    }

    private static string Why(PlanSearch search, Simulated s, Simulated? best)
    {
        if (s.Report is not { } r) return s.Problem ?? "could not be simulated";
        if (!s.HasFigures) return "no request completed with more than one output token";
        if (r.Rejected > 0) return $"rejects {r.Rejected} request(s) longer than its whole KV cache";
        if (s.Overloaded)
            return $"cannot keep up: {search.Workload.Rate:G4} requests/s arrive, it served {r.RequestThroughput:G4}/s, and the step model puts the rate above its capacity; "
                + $"its queue grows without bound (the p90 TTFT of {r.Completed} simulated requests, {r.TtftMs.P90:N0} ms, grows with their count)";
        var missed = new List<string>();
        if (search.Slo.TtftMs is { } t && r.TtftMs.P90 > t) missed.Add($"TTFT p90 {r.TtftMs.P90:N0} ms > {t:N0} ms (+{(r.TtftMs.P90 / t - 1) * 100:N0}%)");
        if (search.Slo.TpotMs is { } p && r.TpotMs.P90 > p) missed.Add($"TPOT p90 {r.TpotMs.P90:N2} ms > {p:N2} ms (+{(r.TpotMs.P90 / p - 1) * 100:N0}%)");
        if (missed.Count > 0) return "misses the SLO: " + string.Join(", ", missed);
        if (best?.Report is not { } b) return "meets the SLO";
        double g = r.OutputTokensPerSecondPerGpu, bg = b.OutputTokensPerSecondPerGpu;
        return g < bg
            ? $"meets the SLO with fewer output tokens/s per GPU: {g:N1} against {bg:N1} ({(g / bg - 1) * 100:N0}%)"
            : $"meets the SLO with as many output tokens/s per GPU ({g:N1}) but fewer per user: {r.OutputTokensPerSecondPerUser:N1} against {b.OutputTokensPerSecondPerUser:N1}";
    }
}
