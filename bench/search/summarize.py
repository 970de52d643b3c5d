#!/usr/bin/python3
"""summarize.py -- markdown summary of bench/search/run.sh results.

  summarize.py --results out/results.tsv --maxhv maxhv.tsv --date D --machine M
               --command C --seeds N --init N --batch N --elapsed S --out summary.md
  summarize.py --splice summary.md --into bench/RESULTS.md

The second form replaces the section that starts with the summary's first
line ("## Search: ...") up to the next "## " header (or appends it), leaving
every other section of the file alone.
"""
import argparse
import csv
import math
import os
import statistics as st
import sys

HEADER = "## Search: propose vs random, NSGA-II, TPE"
METHOD_ORDER = ["propose", "random", "tpe", "nsga2"]
METHOD_NAME = {"propose": "propose", "random": "random (space-gen --sample)",
               "tpe": "Optuna TPE (multivariate)", "nsga2": "Optuna NSGA-II (pop 20)"}
PROBLEM_TEXT = {
    "branincurrin101": "BraninCurrin, x0,x1 in 0..100 (/100), ref (18,6)",
    "branincurrin1001": "BraninCurrin, x0,x1 in 0..1000 (/1000), ref (18,6)",
    "dtlz2": "DTLZ2, M=2, d=6, x_i in 0..20 (/20), ref (1.1,1.1)",
    "zdt1": "ZDT1, d=10, x_i in 0..20 (/20), ref (1.1,11)",
    "autopeft": "AutoPEFT-like synthetic on the BERT-base space (15 dims), score:max,params:min, ref (0.70, 28465382)",
}


def fmt(x, ref):
    """Format with about 4 significant digits relative to the problem's scale."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if abs(ref) >= 1e4:
        return f"{x:.4g}" if abs(x) < 1e4 else f"{x:.4e}"
    if abs(ref) >= 10:
        return f"{x:.2f}"
    if abs(ref) >= 1:
        return f"{x:.3f}"
    return f"{x:.4f}"


def summarize(a):
    rows = list(csv.DictReader(open(a.results), delimiter="\t"))
    maxhv = {r["problem"]: r for r in csv.DictReader(open(a.maxhv), delimiter="\t")}
    groups = {}
    for r in rows:
        k = (r["problem"], r["method"], int(r["budget"]))
        groups.setdefault(k, []).append(r)
    problems = list(dict.fromkeys(r["problem"] for r in rows))
    methods = [m for m in METHOD_ORDER if any(r["method"] == m for r in rows)]
    out = [HEADER, ""]
    out.append(f"Measured {a.date} on {a.machine} (shared with other jobs, so wall times are noisy). "
               f"Command: `{a.command}`; elapsed {a.elapsed} s.")
    out.append("")
    out.append(
        f"Setup: {a.seeds} seeds per method (seed s = 1..{a.seeds}); batch {a.batch}; "
        f"propose: `propose --init {a.init} --batch {a.batch} --seed s --ref REF` in a loop (its Sobol "
        f"initial design until {a.init} records, then BO batches; the last batch is cut to land on "
        "the largest budget); Optuna TPE is "
        f"TPESampler(multivariate=True, constant_liar=True, n_startup_trials={a.init}), NSGA-II is "
        "NSGAIISampler(population_size=20), both asked/told in batches through "
        "bench/search/optuna_run.py; random is `space-gen --sample N` (distinct configurations). "
        "Every method writes config records that the same evaluator filter (bench/search/eval/*.awk) "
        "scores; the hypervolume is `pareto --hv` over the first BUDGET records of each history. "
        "'% max' is the mean HV over the largest HV reachable on the grid (bench/search/maxhv.py, "
        "every grid point or the analytic Pareto set); 'distinct' is the mean number of distinct "
        "configurations among the BUDGET evaluations (Optuna may repeat one).")
    out.append("")
    for p in problems:
        mh = float(maxhv[p]["maxhv"]) if p in maxhv else float("nan")
        out.append(f"### {p}: {PROBLEM_TEXT.get(p, p)}")
        out.append("")
        extra = ""
        if p in maxhv:
            c = maxhv[p]["continuous"]
            extra = f"; continuous problem: {c}" if c not in ("nan", "") else ""
        out.append(f"Max HV on this grid: {fmt(mh, mh)} ({maxhv[p]['how'] if p in maxhv else '?'}{extra}).")
        out.append("")
        out.append("| budget | method | runs | mean | std | median | min | max | % max | distinct |")
        out.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        budgets = sorted({k[2] for k in groups if k[0] == p})
        for b in budgets:
            for m in methods:
                g = groups.get((p, m, b))
                if not g:
                    continue
                hv = [float(r["hv"]) for r in g]
                mean = st.mean(hv)
                sd = st.stdev(hv) if len(hv) > 1 else float("nan")
                dist = st.mean(float(r["distinct"]) for r in g)
                ev = st.mean(float(r["evals"]) for r in g)
                out.append(f"| {b} | {METHOD_NAME.get(m, m)} | {len(hv)} | {fmt(mean, mh)} | {fmt(sd, mh)} | "
                           f"{fmt(st.median(hv), mh)} | {fmt(min(hv), mh)} | {fmt(max(hv), mh)} | "
                           f"{100 * mean / mh:.1f} | {dist:.1f}/{ev:.0f} |")
        out.append("")
    # targets of the issue
    out.append("### Targets (issue 'space-gen, propose, pareto')")
    out.append("")
    bmax = max(k[2] for k in groups)

    def mean_of(p, m, b):
        g = groups.get((p, m, b))
        return st.mean(float(r["hv"]) for r in g) if g else None

    for p in problems:
        mh = float(maxhv[p]["maxhv"]) if p in maxhv else float("nan")
        for b in sorted({k[2] for k in groups if k[0] == p and k[2] in (50, 100, bmax)}):
            mp = mean_of(p, "propose", b)
            if mp is None:
                continue
            parts = []
            for m in ("tpe", "random", "nsga2"):
                mo = mean_of(p, m, b)
                if mo is not None:
                    d = mp - mo
                    parts.append(f"{'beats' if d > 0 else 'LOSES TO'} {m} by {fmt(d, mh)} "
                                 f"({100 * d / mh:+.1f}% of max)")
            out.append(f"- {p}, budget {b}: propose " + ", ".join(parts) + ".")
    for p in problems:
        g = groups.get((p, "propose", 86))
        if p.startswith("branincurrin") and g:
            hv = [float(r["hv"]) for r in g]
            ok = sum(h >= 57 for h in hv)
            mt = mean_of(p, "tpe", 86)
            mh = float(maxhv[p]["maxhv"]) if p in maxhv else float("nan")
            note = f" (unattainable here: this grid's max HV is {mh:.2f})" if mh < 57 else ""
            out.append(f"- {p}, 86 evaluations: propose mean HV {st.mean(hv):.2f} (min {min(hv):.2f}, "
                       f"{100 * st.mean(hv) / mh:.1f}% of the grid max); {ok}/{len(hv)} seeds reach "
                       f"HV >= 57{note}; target from BoTorch qNEHVI 57.8 on the continuous problem"
                       + (f"; Optuna TPE here {mt:.2f}" if mt is not None else "") + ".")
    out.append("")
    # wall time
    out.append(f"### Wall time per run ({bmax} evaluations, seconds, including the evaluator)")
    out.append("")
    out.append("Two runs at a time on a machine shared with other jobs. Optuna's figures include "
               "starting Python and importing optuna (about 3-4 s here) and one evaluator process per "
               "batch; propose's include one propose process and one evaluator process per batch.")
    out.append("")
    out.append("| problem | " + " | ".join(METHOD_NAME.get(m, m) for m in methods) + " |")
    out.append("|---|" + "---:|" * len(methods))
    for p in problems:
        cells = []
        for m in methods:
            g = groups.get((p, m, bmax)) or []
            w = [float(r["wall_s"]) for r in g if r["wall_s"] not in ("nan", "")]
            cells.append(f"{st.mean(w):.1f} (max {max(w):.1f})" if w else "-")
        out.append(f"| {p} | " + " | ".join(cells) + " |")
    out.append("")
    with open(a.out, "w") as f:
        f.write("\n".join(out))


def splice(a):
    sec = open(a.splice).read().rstrip("\n") + "\n"
    first = sec.splitlines()[0]
    if os.path.exists(a.into):
        lines = open(a.into).read().splitlines(keepends=True)
    else:
        lines = ["# Benchmark results\n", "\n"]
    start = next((i for i, l in enumerate(lines) if l.rstrip("\n") == first), None)
    if start is None:
        if lines and lines[-1].strip():
            lines.append("\n")
        lines.append(sec)
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        tail = lines[end:]
        lines = lines[:start] + [sec] + (["\n"] if tail else []) + tail
    tmp = a.into + ".tmp"
    with open(tmp, "w") as f:
        f.write("".join(lines))
    os.replace(tmp, a.into)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results")
    ap.add_argument("--maxhv")
    ap.add_argument("--date", default="")
    ap.add_argument("--machine", default="")
    ap.add_argument("--command", default="")
    ap.add_argument("--seeds", default="")
    ap.add_argument("--init", default="")
    ap.add_argument("--batch", default="")
    ap.add_argument("--elapsed", default="")
    ap.add_argument("--out")
    ap.add_argument("--splice")
    ap.add_argument("--into")
    a = ap.parse_args()
    if a.splice:
        splice(a)
    elif a.results and a.out:
        summarize(a)
    else:
        ap.error("need --results ... --out, or --splice ... --into")
        sys.exit(2)


if __name__ == "__main__":
    main()
