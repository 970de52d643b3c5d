#!/bin/bash
# bench/run-engine.sh -- engine speed benchmark: one training step (forward +
# backward + clip + AdamW) of the C engine (bench/train_step) against the
# PyTorch reference (bench/torch_step.py), same shapes, same OpenBLAS.
# Not part of `make check`.
#
#   bench/run-engine.sh                 shapes a,b,c,m; threads 1,2; 3 rounds
#                                       for a, c and m, 2 for b; writes the
#                                       engine section of bench/RESULTS.md
#   bench/run-engine.sh --quick         shape a, 1 round, 1 timed step, no RESULTS.md
#
# Each round runs, for every thread count, the C program and the PyTorch
# script one after the other (the order alternates between rounds), so both
# sides share the machine's noise; the table gives the median over rounds of
# each process's median step time. OPENBLAS_CORETYPE is passed unchanged to
# both sides (unset: OpenBLAS auto-detects); the core each side actually
# uses is recorded. Environment: B (build dir, default build), PYTHON
# (default /usr/bin/python3, needs torch).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PYTHON="${PYTHON:-/usr/bin/python3}"
B="${B:-build}"
SHAPES=a,b,c,m
THREADS="1 2"
ROUNDS_A=3
ROUNDS_B=2
BATCH_B=8
WARMUP=2
REPS=5
RESULTS="$ROOT/bench/RESULTS.md"
BUILD=1
KEEP=
CMDLINE="bench/run-engine.sh $*"

usage() {
    cat <<EOF
Usage: bench/run-engine.sh [OPTIONS]
  --quick           shape a, 1 round, warm-up 1, 1 timed step; no RESULTS.md
  --shapes LIST     comma-separated, of a, b, c (PEFT on the embedded
                    default's encoder) and m (MLM pretraining of that
                    encoder) (default a,b,c,m)
  --threads LIST    space- or comma-separated thread counts (default "1 2")
  --rounds-a N      interleaved C/PyTorch rounds for shapes a, c, m (default 3)
  --rounds-b N      rounds for shape b (default 2)
  --batch-b N       batch of shape b (default 8)
  --warmup N        untimed steps per process (default 2; shape b: N/2, >= 1)
  --reps N          timed steps per process (default 5; shape b: N/2+1, >= 3)
  --results FILE    section written into FILE (default bench/RESULTS.md);
                    --results '' prints the section only
  --no-build        do not run make first
  --keep DIR        copy the raw outputs (TSV, stderr) into DIR
EOF
}

while [ $# -gt 0 ]; do
    case "$1" in
        --quick) SHAPES=a ROUNDS_A=1 WARMUP=1 REPS=1 RESULTS= ;;
        --shapes) SHAPES="$2"; shift ;;
        --threads) THREADS="${2//,/ }"; shift ;;
        --rounds-a) ROUNDS_A="$2"; shift ;;
        --rounds-b) ROUNDS_B="$2"; shift ;;
        --batch-b) BATCH_B="$2"; shift ;;
        --warmup) WARMUP="$2"; shift ;;
        --reps) REPS="$2"; shift ;;
        --results) RESULTS="$2"; shift ;;
        --no-build) BUILD=0 ;;
        --keep) KEEP="$2"; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "run-engine.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

cd "$ROOT"
if [ "$BUILD" = 1 ]; then
    make B="$B" "$B/libautopeft.a" >&2
    make -C bench B="$B" >&2
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
LOAD0="$(cut -d' ' -f1-3 /proc/loadavg)"
DATE0="$(date -u '+%Y-%m-%d %H:%M UTC')"
echo "run-engine.sh: load average $LOAD0; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-<unset>}" >&2

TLIST="$(echo $THREADS | tr ' ' ',')"
# sgemm_peak runs once per round (so it shares each round's load); sgemm.tsv
# holds round + its lines.
: > "$WORK/sgemm.tsv"
run_sgemm() { # ROUND-TAG
    bench/sgemm_peak --threads "$TLIST" 2>> "$WORK/sgemm.err" | sed 1d | sed "s/^/$1\t/" >> "$WORK/sgemm.tsv"
}

# c.tsv / t.tsv: round + the programs' TSV lines (header once).
: > "$WORK/c.tsv"
: > "$WORK/t.tsv"
: > "$WORK/c.err"
: > "$WORK/t.err"
run_c() { # SHAPE THREADS ROUND
    bench/train_step --threads "$2" --shapes "$1" --batch-b "$BATCH_B" --warmup "$WARMUP" \
        --reps "$REPS" 2>> "$WORK/c.err" | sed 1d | sed "s/^/$3\t/" >> "$WORK/c.tsv"
}
run_t() {
    "$PYTHON" bench/torch_step.py --threads "$2" --shapes "$1" --batch-b "$BATCH_B" \
        --warmup "$WARMUP" --reps "$REPS" 2>> "$WORK/t.err" | sed 1d | sed "s/^/$3\t/" >> "$WORK/t.tsv"
}
for s in ${SHAPES//,/ }; do
    case "$s" in
        a | c | m) R="$ROUNDS_A" ;;
        b) R="$ROUNDS_B" ;;
        *) echo "run-engine.sh: unknown shape '$s'" >&2; exit 2 ;;
    esac
    for r in $(seq 1 "$R"); do
        run_sgemm "$s$r"
        for t in $THREADS; do
            echo "run-engine.sh: shape $s, threads $t, round $r/$R (load $(cut -d' ' -f1 /proc/loadavg))" >&2
            if [ $((r % 2)) = 1 ]; then
                run_c "$s" "$t" "$r"; run_t "$s" "$t" "$r"
            else
                run_t "$s" "$t" "$r"; run_c "$s" "$t" "$r"
            fi
            tail -n 1 "$WORK/c.tsv" >&2
            tail -n 1 "$WORK/t.tsv" >&2
        done
    done
done
LOAD1="$(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "$KEEP" ]; then
    mkdir -p "$KEEP"
    cp "$WORK"/*.tsv "$WORK"/*.err "$KEEP"/
fi

# Summarise: medians per (shape, threads), ratio, fraction of sgemm peak.
export WORK LOAD0 LOAD1 DATE0 CMDLINE BATCH_B WARMUP REPS ROUNDS_A ROUNDS_B THREADS SHAPES B
export CORETYPE_ENV="${OPENBLAS_CORETYPE:-<unset>}"
export TORCH_INFO="$(grep -m1 '^torch ' "$WORK/t.err" || true)"
export C_INFO="$(grep -m1 '^train_step: ' "$WORK/c.err" || true)"
export NPROC="$(nproc)"
export MODEL="$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
export FLAGS="$(grep -m1 '^flags' /proc/cpuinfo | grep -o -w -E 'avx2|avx512f|fma' | sort -u | tr '\n' ' ')"
"$PYTHON" - "$WORK/section.md" <<'EOF'
import os, statistics, sys
from collections import defaultdict
E = os.environ
W = E["WORK"]

def rows(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                out.append(line.split("\t"))
    return out

# c: round shape threads batch seq median tok/s blas core cpu gflop gflops gflop_min
# t: round shape threads batch seq median tok/s blas core cpu
c, t, cc, tc = defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list)
core_c, core_t, info = set(), set(), {}
for r in rows(W + "/c.tsv"):
    k = (r[1], int(r[2]))
    c[k].append(float(r[5]))
    cc[k].append(float(r[9]))
    core_c.add(r[8])
    info[k] = (int(r[3]), int(r[4]), float(r[10]), float(r[12]))
for r in rows(W + "/t.tsv"):
    k = (r[1], int(r[2]))
    t[k].append(float(r[5]))
    tc[k].append(float(r[9]))
    core_t.add(r[8])
# sgemm: tag m n k threads seconds gflops core cpu_gflops. Per round: the
# best shape; peak = median over rounds of that.
rp, rcp = defaultdict(dict), defaultdict(dict)
sgall = defaultdict(list)
for r in rows(W + "/sgemm.tsv"):
    th = int(r[4])
    rp[th][r[0]] = max(rp[th].get(r[0], 0.0), float(r[6]))
    rcp[th][r[0]] = max(rcp[th].get(r[0], 0.0), float(r[8]))
    sgall[(int(r[1]), int(r[2]), int(r[3]), th)].append((float(r[6]), float(r[8])))
peak = {th: statistics.median(v.values()) for th, v in rp.items()}
cpeak = {th: statistics.median(v.values()) for th, v in rcp.items()}
med = statistics.median
nan = float("nan")

L = []
L.append("## Engine: one training step, C vs PyTorch")
L.append("")
L.append("Written by `bench/run-engine.sh` on %s. One training step = forward + "
         "backward + gradient clipping (1.0) + AdamW, random weights, serial adapter "
         "16 in every layer, frozen backbone, AutoPEFT classification head (2 labels), "
         "dropout 0.1, T = 128, vocabulary 30522 on both sides. Shape a: B 32, L 4, "
         "H 256, 4 heads, I 1024. Shape b (BERT-base): B %s, L 12, H 768, 12 heads, "
         "I 3072. Shape c: the embedded default's encoder (data/encoder/config.json: "
         "L 4, H 128, 4 heads, I 512, vocabulary 8006), B 32, T 48, the same PEFT "
         "step. Shape m: that encoder pretrained by MLM as pretrain(1) does (full "
         "training, tied decoder on the 7 labelled positions of each sequence of "
         "48, no adapter), B 32, T 48." % (E["DATE0"], E["BATCH_B"]))
L.append("")
L.append("Machine: %s CPUs, %s (flags: %s); load average %s at the start, %s at the "
         "end (other jobs were sharing the machine). OPENBLAS_CORETYPE %s on both "
         "sides; OpenBLAS core used: C %s, PyTorch %s."
         % (E["NPROC"], E["MODEL"], E["FLAGS"].strip(), E["LOAD0"], E["LOAD1"],
            E["CORETYPE_ENV"], "/".join(sorted(core_c)) or "-",
            "/".join(sorted(core_t)) or "-"))
if core_c != core_t:
    L.append("")
    L.append("**WARNING: the two sides used different OpenBLAS cores; the ratio is not "
             "a like-for-like comparison.**")
L.append("")
L.append("- C: `%s`" % E["C_INFO"])
L.append("- PyTorch: `%s`" % E["TORCH_INFO"])
L.append("")
L.append("Commands (`%s`; each round runs both sides back to back for each thread "
         "count, alternating which goes first; %s round(s) for shapes a, c and m, %s for b):"
         % (E["CMDLINE"].strip(), E["ROUNDS_A"], E["ROUNDS_B"]))
L.append("")
L.append("    bench/train_step --threads N --shapes S --batch-b %s --warmup %s --reps %s"
         % (E["BATCH_B"], E["WARMUP"], E["REPS"]))
L.append("    /usr/bin/python3 bench/torch_step.py --threads N --shapes S --batch-b %s "
         "--warmup %s --reps %s" % (E["BATCH_B"], E["WARMUP"], E["REPS"]))
L.append("    bench/sgemm_peak --threads %s" % ",".join(E["THREADS"].split()))
L.append("")
L.append("Each program reports the median of its timed steps (shape b: warm-up "
         "max(1, N/2), max(3, N/2+1) timed steps), as wall time and as process CPU "
         "time (all threads); the tables give the median over rounds. With the "
         "machine oversubscribed, wall time mostly measures the scheduler: CPU time "
         "is the steadier measure of the work each side does (with 2 threads it "
         "also counts threads spinning at barriers: PyTorch's and OpenBLAS's, or "
         "libgomp's in the C engine, which runs OpenBLAS single-threaded inside its "
         "own OpenMP threads).")
L.append("")
L.append("| shape | threads | batch | C wall s | PyTorch wall s | PyTorch/C wall "
         "| C CPU s | PyTorch CPU s | PyTorch/C CPU | C tokens/s (wall) |")
L.append("|---|---|---|---|---|---|---|---|---|---|")
for k in sorted(c):
    B, T, gf, gmin = info[k]
    cm, tm = med(c[k]), (med(t[k]) if t.get(k) else nan)
    ccm, tcm = med(cc[k]), (med(tc[k]) if tc.get(k) else nan)
    L.append("| %s | %d | %d | %.3f | %.3f | %.2f | %.3f | %.3f | %.2f | %.0f |"
             % (k[0], k[1], B, cm, tm, tm / cm, ccm, tcm, tcm / ccm, B * T / cm))
L.append("")
L.append("Matmul efficiency. GFLOP = matmul FLOPs the C engine runs in one step "
         "(formula in bench/train_step.c; checked against a count of every "
         "cblas_sgemm call by bench/train_step_prof); 'min' = what a minimal "
         "autograd (PyTorch) runs, without the backward work of the lowest layer "
         "that only the adapter's gradient needs; the engine skips that work too "
         "(since H1b), so both numbers are equal. sgemm peak = the best single-call cblas_sgemm "
         "rate over the shapes of bench/sgemm_peak.c at that thread count (median "
         "over rounds), per wall second and per CPU-second. Under changing load "
         "the wall-clock fraction can exceed 100%: the per-CPU-second fraction is "
         "the meaningful one.")
L.append("")
L.append("| shape | threads | C GFLOP (min) | C GFLOP/s wall | sgemm peak wall | C/peak "
         "| C GFLOP per CPU-s | sgemm per CPU-s | C/peak (CPU) |")
L.append("|---|---|---|---|---|---|---|---|---|")
for k in sorted(c):
    B, T, gf, gmin = info[k]
    cm, ccm = med(c[k]), med(cc[k])
    pk, cpk = peak.get(k[1], nan), cpeak.get(k[1], nan)
    L.append("| %s | %d | %.1f (%.1f) | %.1f | %.1f | %.0f%% | %.1f | %.1f | %.0f%% |"
             % (k[0], k[1], gf, gmin, gf / cm, pk, 100 * gf / cm / pk, gf / ccm, cpk,
                100 * gf / ccm / cpk))
L.append("")
L.append("Per-round medians (seconds):")
L.append("")
for k in sorted(c):
    L.append("- %s, %d thread(s): C wall %s, CPU %s; PyTorch wall %s, CPU %s" % (
        k[0], k[1], " ".join("%.3f" % x for x in c[k]), " ".join("%.3f" % x for x in cc[k]),
        " ".join("%.3f" % x for x in t.get(k, [])),
        " ".join("%.3f" % x for x in tc.get(k, []))))
L.append("")
L.append("Single-call cblas_sgemm (C = A B^T, row-major; each run: median of 7 "
         "calls; one run per round, median over the %d runs):" % len(next(iter(rp.values()), {})))
L.append("")
L.append("| m x n x k | threads | GFLOP/s wall | GFLOP per CPU-s |")
L.append("|---|---|---|---|")
for (m_, n_, k_, th), v in sorted(sgall.items(), key=lambda kv: (kv[0][3], kv[0][:3])):
    L.append("| %dx%dx%d | %d | %.1f | %.1f |" % (m_, n_, k_, th, med([x[0] for x in v]),
                                                 med([x[1] for x in v])))
L.append("")
with open(sys.argv[1], "w") as f:
    f.write("\n".join(L))
EOF

if [ -n "$RESULTS" ]; then
    "$PYTHON" - "$WORK/section.md" "$RESULTS" <<'EOF'
# Splice the section into RESULTS: replace from its "## " header to the next
# "## " header (other sections untouched), or append it. A "### Notes"
# subsection of the old section (hand-written analysis) is kept at its end.
import os, sys
sec = open(sys.argv[1]).read().rstrip("\n") + "\n"
head = sec.splitlines()[0]
path = sys.argv[2]
old = open(path).read().splitlines(keepends=True) if os.path.exists(path) else ["# Benchmark results\n", "\n"]
out, i, done = [], 0, False
while i < len(old):
    if old[i].rstrip("\n") == head and not done:
        out.append(sec)
        i += 1
        notes = []
        while i < len(old) and not old[i].startswith("## "):
            if old[i].startswith("### Notes") or notes:
                notes.append(old[i])
            i += 1
        if notes:
            while notes and not notes[-1].strip():
                notes.pop()
            out.append("\n")
            out.extend(notes)
        if i < len(old):
            out.append("\n")
        done = True
        continue
    out.append(old[i])
    i += 1
if not done:
    if out and out[-1].strip():
        out.append("\n")
    out.append(sec)
tmp = path + ".tmp.%d" % os.getpid()
with open(tmp, "w") as f:
    f.write("".join(out))
os.replace(tmp, path)
EOF
    echo "run-engine.sh: wrote the engine section of $RESULTS" >&2
fi
cat "$WORK/section.md"
