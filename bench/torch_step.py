#!/usr/bin/python3
"""torch_step.py -- time one PyTorch training step (forward + backward +
AdamW) of the reference model (tests/ref/bert_ref.py) with a serial adapter
of 16 in every layer, frozen backbone, AutoPEFT head, dropout 0.1.

    /usr/bin/python3 bench/torch_step.py --threads 2 [--shapes a,b] [--batch-b 8]

Debian's torch does its float32 GEMMs in OpenBLAS (libblas.so.3 ->
openblas-pthread), so OPENBLAS_CORETYPE applies to it as to the C engine:
give both the same value. On an AVX2-only CPU (e.g. AMD EPYC without
AVX-512) OPENBLAS_CORETYPE=SKYLAKEX dies with SIGILL; auto-detection picks
Zen/Haswell there.

Shapes: a = B 32, T 128, L 4, H 256, 4 heads, I 1024;
        b = BERT-base (L 12, H 768, 12 heads, I 3072, vocab 30522), B --batch-b
            (default 8: B 32 takes tens of seconds per step on 2 cores), T 128;
        c = the embedded default's encoder (data/encoder/config.json: L 4,
            H 128, 4 heads, I 512, vocab 8006, 64 positions), B 32, T 48;
        m = shape c pretrained with MLM (full training, tied decoder, 7 of
            48 positions labelled per sequence). As the C engine does, the
            decoder runs only on the labelled rows (the MLM transform on all).
Prints a TSV header and one line per shape: shape, threads, batch, seq,
median_seconds, tokens_per_second, blas, coretype, cpu_seconds (median
process CPU time of a step, all threads). The BLAS backend line(s)
and torch.__config__ go to stderr.
"""
import argparse
import ctypes
import math
import os
import statistics
import sys
import time
from collections import OrderedDict

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ref"))
import bert_ref as R  # noqa: E402


def blas_info():
    """Which BLAS torch actually loaded, and OpenBLAS's core type."""
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))   # make sure BLAS is loaded
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            p = line.split()[-1]
            b = os.path.basename(p)
            if any(k in b for k in ("blas", "mkl", "dnnl", "lapack")):
                libs.add(os.path.realpath(p))
    core = "-"
    ob = None
    if any("openblas" in p for p in libs):
        try:
            ob = ctypes.CDLL("libopenblas.so.0")
            ob.openblas_get_corename.restype = ctypes.c_char_p
            core = ob.openblas_get_corename().decode()
        except OSError:
            ob = None
    return sorted(libs), core, ob


def make_params(cfg, pc, gen):
    """Random weights in float32 (N(0, 0.02), LayerNorm 1/0, zero biases)."""
    return init_params(R.base_shapes(cfg, pooler=True) + R.head_shapes(cfg, "autopeft", "cls")
                       + R.peft_shapes(cfg, pc), gen)


def init_params(shapes, gen):
    """N(0, 0.02) weights, LayerNorm weights 1, biases 0, in shapes' order."""
    P = OrderedDict()
    for n, s in shapes:
        if "LayerNorm.weight" in n:
            t = torch.ones(s)
        elif n.endswith("bias"):
            t = torch.zeros(s)
        else:
            t = torch.randn(s, generator=gen) * 0.02
        P[n] = t
    return P


def make_params_mlm(cfg, pc, gen):
    """The same for the MLM step: the encoder and its tied MLM head."""
    return init_params(R.base_shapes(cfg, pooler=True) + R.head_shapes(cfg, "autopeft", "mlm"), gen)


MLM_PER_SEQ = 7


def mlm_logits(P, cfg, pc, ids, tt, mask, sel):
    """The MLM logits of the labelled rows sel (flat indices into B*T)."""
    y = R.encoder(P, cfg, pc, ids, tt, mask, True)
    t = R._gelu(R._lin(y, P, "cls.predictions.transform.dense"))
    t = R._ln(t, P, "cls.predictions.transform.LayerNorm", cfg.layer_norm_eps)
    t = t.reshape(-1, t.shape[-1])[sel]
    return torch.nn.functional.linear(t, P["embeddings.word_embeddings.weight"],
                                      P["cls.predictions.bias"])


def bench(label, cfg, pc, B, T, warmup, reps, gen):
    mlm = label == "m"
    P = make_params_mlm(cfg, pc, gen) if mlm else make_params(cfg, pc, gen)
    names = R.trainable_names(P, cfg, pc, "autopeft", "mlm" if mlm else "cls")
    for n in names:
        P[n].requires_grad_(True)
    opt, sched = R.make_optimizer(P, names, 1e-4, 0.0, (0.9, 0.999), 1e-8, 0, 10 ** 6)
    tr = [P[n] for n in names]
    ids = torch.randint(0, cfg.vocab_size, (B, T), generator=gen)
    tt = torch.zeros(B, T, dtype=torch.int64)
    mask = torch.ones(B, T, dtype=torch.int64)
    labels = torch.randint(0, cfg.num_labels, (B,), generator=gen)
    if mlm:
        sel = torch.cat([torch.randperm(T, generator=gen)[:MLM_PER_SEQ] + i * T
                         for i in range(B)])
        labels = torch.randint(0, cfg.vocab_size, (sel.numel(),), generator=gen)

    def step():
        opt.zero_grad(set_to_none=True)
        if mlm:
            loss = torch.nn.functional.cross_entropy(
                mlm_logits(P, cfg, pc, ids, tt, mask, sel), labels)
        else:
            loss = R.loss_fn(R.forward(P, cfg, pc, "autopeft", "cls", ids, tt, mask,
                                       training=True), labels, "cls")
        loss.backward()
        torch.nn.utils.clip_grad_norm_(tr, 1.0)
        opt.step()
        sched.step()
        return loss.item()

    for _ in range(warmup):
        step()
    times, cpu = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        loss = step()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        if not math.isfinite(loss):
            raise SystemExit("non-finite loss")
    return statistics.median(times), times, statistics.median(cpu)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--shapes", default="a,b")
    ap.add_argument("--batch-b", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    libs, core, ob = blas_info()
    if ob is not None:
        ob.openblas_set_num_threads(a.threads)
    blas = "openblas" if ob is not None else ("mkl" if any("mkl" in p for p in libs) else "other")
    print("torch %s; BLAS libraries mapped: %s; OpenBLAS core %s; OPENBLAS_CORETYPE=%s"
          % (torch.__version__, " ".join(libs), core, os.environ.get("OPENBLAS_CORETYPE", "")),
          file=sys.stderr)
    print(torch.__config__.show().strip(), file=sys.stderr)

    gen = torch.Generator().manual_seed(0)
    shapes = {
        "a": (R.Config(vocab_size=30522, hidden_size=256, num_hidden_layers=4,
                       num_attention_heads=4, intermediate_size=1024,
                       max_position_embeddings=512, hidden_dropout_prob=0.1,
                       attention_probs_dropout_prob=0.1, num_labels=2), 32, 128),
        "b": (R.Config(vocab_size=30522, hidden_size=768, num_hidden_layers=12,
                       num_attention_heads=12, intermediate_size=3072,
                       max_position_embeddings=512, hidden_dropout_prob=0.1,
                       attention_probs_dropout_prob=0.1, num_labels=2), a.batch_b, 128),
    }
    shapes["c"] = (R.Config(vocab_size=8006, hidden_size=128, num_hidden_layers=4,
                            num_attention_heads=4, intermediate_size=512,
                            max_position_embeddings=64, hidden_dropout_prob=0.1,
                            attention_probs_dropout_prob=0.1, num_labels=2), 32, 48)
    shapes["m"] = shapes["c"]
    print("shape\tthreads\tbatch\tseq\tmedian_seconds\ttokens_per_second\tblas\tcoretype\tcpu_seconds")
    for s in a.shapes.split(","):
        cfg, B, T = shapes[s]
        pc = R.Peft(cfg.num_hidden_layers, full=True) if s == "m" else \
            R.Peft(cfg.num_hidden_layers, sa=16)
        warm, reps = (a.warmup, a.reps) if s != "b" else (max(1, a.warmup // 2), max(3, a.reps // 2 + 1))
        med, times, cmed = bench(s, cfg, pc, B, T, warm, reps, gen)
        print("%s\t%d\t%d\t%d\t%.4f\t%.1f\t%s\t%s\t%.4f"
              % (s, a.threads, B, T, med, B * T / med, blas, core, cmed))
        print("  %s step times: %s" % (s, " ".join("%.3f" % t for t in times)), file=sys.stderr)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
