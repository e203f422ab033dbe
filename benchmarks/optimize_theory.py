#!/usr/bin/env python3
"""How close ``chainsim.optimize`` comes to the exact optimum of each theory case (issue 15).

    python benchmarks/optimize_theory.py                  # every case, 10 x the CI budget and
                                                          # 10 x the replications per evaluation
    python benchmarks/optimize_theory.py --scale 1        # the CI budgets (same as the tests)
    python benchmarks/optimize_theory.py --cases serial_two_stage --seeds 1 2 3 --workers 2

The cases, their exact optima and their checks are those of
``tests/theory/test_optimize_theory.py`` (imported from there, so the two cannot drift apart):
the exact optimum is computed from ``chainsim.theory`` (enumeration, Markov chains, Clark–Scarf),
and the point the optimiser returns is evaluated exactly too. For each case and seed it prints
the exact optimum and its cost, the point found and its exact cost, the gap (absolute and in %
of the optimal cost), the check's allowance, the simulated days used against the budget, the
wall time and whether the check passes. The last table gives one line per case for the note.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "theory"))

import test_optimize_theory as cases  # noqa: E402  (the case definitions live with the tests)


def fmt_point(point) -> str:
    return "(" + ", ".join(f"{v:.6g}" if isinstance(v, float) else str(v) for v in point) + ")"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", nargs="+", choices=list(cases.CASES), default=list(cases.CASES))
    ap.add_argument("--scale", type=float, default=10.0,
                    help="budget = scale x the case's CI budget (default 10)")
    ap.add_argument("--seeds", type=int, nargs="+", default=None,
                    help="optimiser seeds (default: each case's own seed)")
    ap.add_argument("--replications", type=int, default=None,
                    help="replications per evaluation (default: 4 x scale, at least 4; the CI "
                         "tests use 4)")
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args(argv)

    reps = args.replications or max(cases.REPS, int(round(cases.REPS * args.scale)))
    rows = []
    for name in args.cases:
        for seed in args.seeds or [None]:
            case = cases.CASES[name]() if seed is None else cases.CASES[name](seed=seed)
            budget = int(case.budget * args.scale)
            t0 = time.perf_counter()
            res, v = cases.run_case(case, budget, replications=reps, workers=args.workers)
            wall = time.perf_counter() - t0
            within = res.simulated_days <= budget
            ok = v.ok and within
            pct = 100.0 * v.gap / case.optimum_cost if case.optimum_cost else float("nan")
            print(f"== {case.name}  [{name}, seed {seed if seed is not None else 'default'}, "
                  f"{reps} replications per evaluation]")
            print(f"   exact optimum   {fmt_point(case.optimum)}  cost {case.optimum_cost:.6g}")
            print(f"   found           {fmt_point(v.found)}  exact cost {v.found_cost:.6g}")
            print(f"   gap             {v.gap:.4g} ({pct:.3f} % of optimal); allowed "
                  f"{v.allowed:.4g}: {v.note}")
            mean, hw = res.objective
            print(f"   optimiser says  objective {mean:.6g} ± {hw:.3g} (95% CI; exact value of "
                  f"that point {v.found_cost:.6g})")
            print(f"   statement       {res.statement}")
            print(f"   simulated days  {res.simulated_days:,} of {budget:,}"
                  f"{'' if within else '  OVER BUDGET'};  wall {wall:.1f} s")
            print(f"   check           {'PASS' if ok else 'FAIL'}")
            rows.append((name, seed, case.optimum, case.optimum_cost, v.found, v.found_cost,
                         pct, res.simulated_days, budget, ok))
    print("\ncase | seed | exact optimum (cost) | found (exact cost) | gap % | simulated days "
          "/ budget | check")
    for name, seed, opt, copt, found, cfound, pct, used, budget, ok in rows:
        print(f"{name} | {seed if seed is not None else '-'} | {fmt_point(opt)} ({copt:.5g}) | "
              f"{fmt_point(found)} ({cfound:.5g}) | {pct:.3f} | {used:,} / {budget:,} | "
              f"{'pass' if ok else 'FAIL'}")
    return 0 if all(r[-1] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
