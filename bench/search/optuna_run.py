#!/usr/bin/python3
"""optuna_run.py -- Optuna baselines for the search benchmark (bench/search/run.sh).

Runs Optuna (3.1, Debian's python3-optuna under /usr/bin/python3) on an
autopeft space file with the same evaluator command and the same history
format as the propose loop:

    optuna_run.py --space S.tsv --eval 'awk -f ...' --objectives f1:min,f2:min \
                  --sampler tpe|nsga2|random --budget 100 --batch 4 --seed 1 \
                  --out history.tsv

Mapping of the space (autopeft-space(5)) to Optuna distributions:
  int LO:HI[:log]        suggest_int(LO, HI)            (log=True when LO >= 1)
  choice, numeric        suggest_int over the level index 0..n-1 (ordinal,
                         as AutoPEFT encodes its sizes), recorded as the label
  choice, text labels    suggest_categorical(labels)
  bool                   suggest_categorical([0, 1])
  const                  ignored
  any A,B,...            constraint: at least one of A, B, ... non-zero.
Trials that violate a constraint are told FAIL and do not count towards the
budget (the real pipeline rejects them before training). Duplicates of an
earlier configuration DO count: the real pipeline would train them again.

Evaluation: trials are asked in batches of --batch, the batch is written as
TSV config records (id, one column per dim) to the evaluator's stdin, and its
output (the same records + objective columns + status) is appended to the
history in order. Records whose status is not "ok" are told FAIL.

Samplers: tpe = TPESampler(multivariate=True, constant_liar=True,
n_startup_trials=--init, seed); nsga2 = NSGAIISampler(population_size=
--population, seed); random = RandomSampler(seed).
"""
import argparse
import csv
import io
import subprocess
import sys
import time
import warnings

import optuna
from optuna.trial import TrialState


def die(msg, code=1):
    print(f"optuna_run: {msg}", file=sys.stderr)
    sys.exit(code)


def load_space(path):
    """Return (dims, groups): dims = [(name, kind, labels, log)], groups = [[names]]."""
    dims, groups = [], []
    with open(path, newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows:
        die(f"{path}:1: empty space file")
    hdr = rows[0]
    try:
        ci = {k: hdr.index(k) for k in ("name", "kind", "values")}
    except ValueError:
        die(f"{path}:1: missing column (the header is name, kind, values, role)")
    for ln, row in enumerate(rows[1:], start=2):
        if not row or row[0].startswith("#"):
            continue
        name, kind, values = row[ci["name"]], row[ci["kind"]], row[ci["values"]]
        log = values.endswith(":log")
        if log:
            values = values[: -len(":log")]
        if kind == "int":
            lo, hi = (int(v) for v in values.split(":"))
            dims.append((name, "int", (lo, hi), log))
        elif kind == "choice":
            labels = values.split(",")
            try:
                [float(v) for v in labels]
                dims.append((name, "ordinal", labels, log))
            except ValueError:
                dims.append((name, "categorical", labels, log))
        elif kind == "bool":
            dims.append((name, "bool", ["0", "1"], False))
        elif kind == "any":
            groups.append(values.split(","))
        elif kind == "const":
            pass
        else:
            die(f"{path}:{ln}: unknown kind '{kind}'")
    return dims, groups


def suggest(trial, dims):
    """Return {name: label} for one trial."""
    cfg = {}
    for name, kind, arg, log in dims:
        if kind == "int":
            lo, hi = arg
            cfg[name] = str(trial.suggest_int(name, lo, hi, log=(log and lo >= 1)))
        elif kind == "ordinal":
            cfg[name] = arg[trial.suggest_int(name, 0, len(arg) - 1)]
        elif kind == "categorical":
            cfg[name] = trial.suggest_categorical(name, arg)
        else:  # bool
            cfg[name] = str(trial.suggest_categorical(name, [0, 1]))
    return cfg


def nonzero(dims_by_name, name, label):
    kind, arg = dims_by_name[name]
    if kind == "categorical":
        return label != arg[0]
    return float(label) != 0


def valid(cfg, groups, dims_by_name):
    return all(any(nonzero(dims_by_name, n, cfg[n]) for n in g) for g in groups)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--space", required=True)
    ap.add_argument("--eval", required=True, help="evaluator command (run by sh -c)")
    ap.add_argument("--objectives", required=True, help="e.g. score:max,params:min")
    ap.add_argument("--sampler", choices=["tpe", "nsga2", "random"], required=True)
    ap.add_argument("--budget", type=int, required=True)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--init", type=int, default=10, help="TPE startup trials")
    ap.add_argument("--population", type=int, default=20, help="NSGA-II population")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    dims, groups = load_space(a.space)
    dims_by_name = {d[0]: (d[1], d[2]) for d in dims}
    objs = []
    for item in a.objectives.split(","):
        name, _, d = item.rpartition(":")
        if d not in ("min", "max") or not name:
            die(f"bad --objectives '{a.objectives}'", 2)
        objs.append((name, d))

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.simplefilter("ignore")  # ExperimentalWarning for multivariate / constant_liar
    if a.sampler == "tpe":
        sampler = optuna.samplers.TPESampler(
            multivariate=True, constant_liar=True, n_startup_trials=a.init, seed=a.seed)
    elif a.sampler == "nsga2":
        sampler = optuna.samplers.NSGAIISampler(population_size=a.population, seed=a.seed)
    else:
        sampler = optuna.samplers.RandomSampler(seed=a.seed)
    study = optuna.create_study(
        directions=["maximize" if d == "max" else "minimize" for _, d in objs], sampler=sampler)

    names = [d[0] for d in dims]
    header, rows = None, []
    n_eval = n_invalid = 0
    t0 = time.time()
    t_eval = 0.0
    while n_eval < a.budget:
        k = min(a.batch, a.budget - n_eval)
        batch = []
        while len(batch) < k:
            tr = study.ask()
            cfg = suggest(tr, dims)
            if not valid(cfg, groups, dims_by_name):
                study.tell(tr, state=TrialState.FAIL)
                n_invalid += 1
                if n_invalid > 100 * a.budget:
                    die("too many invalid configurations")
                continue
            batch.append((tr, cfg))
        buf = io.StringIO()
        buf.write("\t".join(["id"] + names) + "\n")
        for tr, cfg in batch:
            buf.write("\t".join([f"t{tr.number:05d}"] + [cfg[n] for n in names]) + "\n")
        te = time.time()
        p = subprocess.run(a.eval, shell=True, input=buf.getvalue(), capture_output=True, text=True)
        t_eval += time.time() - te
        if p.returncode != 0:
            die(f"evaluator failed ({p.returncode}): {p.stderr.strip()}")
        out = list(csv.reader(io.StringIO(p.stdout), delimiter="\t", quoting=csv.QUOTE_NONE))
        if len(out) != k + 1:
            die(f"evaluator returned {len(out) - 1} records for {k}")
        if header is None:
            header = out[0]
            oc = [header.index(n) for n, _ in objs]
            sc = header.index("status") if "status" in header else -1
        for (tr, _), rec in zip(batch, out[1:]):
            if sc >= 0 and rec[sc] != "ok":
                study.tell(tr, state=TrialState.FAIL)
            else:
                study.tell(tr, [float(rec[c]) for c in oc])
            rows.append(rec)
        n_eval += k
    with open(a.out, "w") as f:
        f.write("\t".join(header) + "\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    print(f"optuna_run: {a.sampler} seed {a.seed}: {n_eval} evaluations, {n_invalid} invalid "
          f"rejected, {time.time() - t0:.1f} s ({t_eval:.1f} s in the evaluator)", file=sys.stderr)


if __name__ == "__main__":
    main()
