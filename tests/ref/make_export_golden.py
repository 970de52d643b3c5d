#!/usr/bin/python3
"""make_export_golden.py -- golden files for export-modules(1): the exported files,
loaded as Hugging Face PEFT and AdapterHub adapters would load them, give the
C engine's logits.

Run from the repository root after `make`, with Debian's python3 (torch):
    /usr/bin/python3 tests/ref/make_export_golden.py

For each case it writes tests/golden/export/CASE/:
  saved/config.json, saved/modules.safetensors
        a record as `train-eval --save` writes it (same metadata keys; the
        weights are random and large, so that every tensor changes the
        logits: a wrong name or transposition cannot hide under the
        tolerance)
  peft/ and/or adapters/
        what `export-modules --format FMT saved` writes (made by the C tool)
  golden.safetensors
        input_ids, token_type_ids, attention_mask (I64, B x T) and, per
        format, logits.FMT (F32, B x C): the logits of export_ref.py's
        library loaders from base/ + FMT/
and tests/golden/export/base/ (config.json, model.safetensors), the frozen
base model every case shares.

Checks made here (the script fails otherwise):
  - the loaders' logits equal bert_ref.py's (the engine's contract, from the
    saved tensors) to 1e-9;
  - each module matters: zeroing the exported tensors of one kind moves the
    logits by far more than the 1e-4 tolerance;
  - build/tests/test_export (the C engine on base/ + saved/) passes.
CI needs no Python: test_export.c and tests/export.bats read these files.
"""
import json
import os
import shutil
import subprocess
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bert_ref  # noqa: E402
import export_ref  # noqa: E402
from make_golden import GOLDEN_CFG, make_inputs, st_read, st_write  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "tests", "golden", "export")

# name, PEFT configuration, head, labels, formats
CASES = [
    ("lora", dict(lora=4, lora_alpha=8), "autopeft", ["neg", "pos"], ["peft", "adapters"]),
    ("lora_skip", dict(lora=2, lora_alpha=6, layers=[1, 0, 1]), "autopeft", ["a", "b", "c"], ["peft", "adapters"]),
    ("lora_hf", dict(lora=3, lora_alpha=12, layers=[0, 1, 1]), "hf", ["0", "1"], ["peft"]),
    ("sa", dict(sa=5, layers=[0, 1, 1]), "autopeft", ["a", "b", "c"], ["adapters"]),
    ("sa_odd", dict(sa=6), "autopeft", ["x", "y"], ["adapters"]),
    ("pa", dict(pa=4, layers=[1, 1, 0]), "autopeft", ["neg", "pos"], ["adapters"]),
    ("pt", dict(pt=3, prefix_mid=24, layers=[1, 0, 1]), "autopeft", ["neg", "pos"], ["adapters"]),
    ("mix", dict(sa=5, pt=3, prefix_mid=24, lora=2, lora_alpha=6, layers=[1, 0, 1]), "autopeft",
     ["a", "b", "c"], ["adapters"]),
    ("mix_pa", dict(pa=10, pt=2, prefix_mid=18, lora=4, lora_alpha=16, layers=[0, 1, 1]), "autopeft",
     ["neg", "pos"], ["adapters"]),
    ("mix_hf", dict(sa=4, lora=2, lora_alpha=2), "hf", ["0", "1"], ["adapters"]),
]

HEAD_T = {"autopeft": ["head.dense.weight", "head.dense.bias", "head.out.weight", "head.out.bias"],
          "hf": ["pooler.dense.weight", "pooler.dense.bias", "classifier.weight", "classifier.bias"]}


def cfg_for(labels):
    c = dict(GOLDEN_CFG)
    c["num_labels"] = len(labels)
    return bert_ref.Config(**c)


def write_base():
    d = os.path.join(OUT, "base")
    os.makedirs(d, exist_ok=True)
    cfg = cfg_for(["0", "1"])
    P = bert_ref.init_params(cfg, bert_ref.Peft(3), "autopeft", "cls", seed=4242, pooler=False)
    base = [(n, t) for n, t in P.items() if n in dict(bert_ref.base_shapes(cfg, pooler=False))]
    st_write(os.path.join(d, "model.safetensors"), base, {"format": "pt"})
    c = json.loads(cfg.to_json())
    c.pop("id2label", None)
    c.pop("label2id", None)
    c.pop("num_labels", None)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(c, f, indent=2, sort_keys=True)
        f.write("\n")
    return P


def saved_meta(pc, head, case, labels):
    return {"format": "pt", "sa": pc.sa, "pa": pc.pa, "pt": pc.pt, "lora": pc.lora,
            "lora_alpha": "%.9g" % pc.lora_alpha, "prefix_mid": pc.prefix_mid,
            "layers": ",".join(str(x) for x in pc.layers), "full": 0, "task": "cls", "head": head,
            "id": case, "task_name": "golden", "labels": json.dumps(labels, separators=(",", ":")),
            "base_model": "tests/golden/export/base"}


def run(cmd):
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if r.returncode:
        sys.exit("failed: %s\n%s%s" % (" ".join(cmd), r.stdout, r.stderr))
    return r.stdout


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    base_P = write_base()
    for k, (case, pk, head, labels, formats) in enumerate(CASES):
        cfg = cfg_for(labels)
        pc = bert_ref.Peft(3, **pk)
        P = bert_ref.init_params(cfg, pc, head, "cls", seed=4242, peft_seed=100 + k, peft_scale=1.5)
        for n in base_P:                       # the shared base, whatever the case
            if n in P and not n.startswith(("head.", "classifier.", "pooler.")):
                P[n] = base_P[n]
        # heads: own draws per case (the pooler is part of the HF head)
        g = torch.Generator().manual_seed(500 + k)
        for n in HEAD_T[head]:
            P[n] = torch.randn(P[n].shape, generator=g, dtype=torch.float64).to(torch.float32) * (
                0.3 if n.endswith("bias") else 0.6)
        d = os.path.join(OUT, case)
        sd = os.path.join(d, "saved")
        os.makedirs(sd)
        mods = [(n, t) for n, t in P.items() if n in dict(bert_ref.peft_shapes(cfg, pc)) or n in HEAD_T[head]]
        st_write(os.path.join(sd, "modules.safetensors"), mods, saved_meta(pc, head, case, labels))
        shutil.copy(os.path.join(OUT, "base", "config.json"), os.path.join(sd, "config.json"))
        ids, tt, mask, _ = make_inputs(cfg, "cls", B=3, T=6, seed=7 + k)
        P64 = {n: t.to(torch.float64) for n, t in P.items()}
        want = bert_ref.forward(P64, cfg, pc, head, "cls", ids, tt, mask)
        golden = [("input_ids", ids), ("token_type_ids", tt), ("attention_mask", mask)]
        for fmt in formats:
            run(["bin/export-modules", "--format", fmt, "--base-model", "tests/golden/export/base",
                 "-o", os.path.join(d, fmt), sd])
            loaded = export_ref.load(os.path.join(OUT, "base"), os.path.join(d, fmt), fmt, len(labels))
            got = export_ref.forward(loaded, ids, tt, mask)
            diff = (got - want).abs().max().item()
            print("%-10s %-8s logits %s  max |loader - contract| %.2e" % (case, fmt, tuple(got.shape), diff))
            assert diff < 1e-9, "the %s loader disagrees with the contract reference" % fmt
            # every kind of exported tensor matters
            for kind, moved in export_ref.sensitivity(os.path.join(OUT, "base"), os.path.join(d, fmt), fmt,
                                                      len(labels), ids, tt, mask, got):
                print("    zeroing %-14s moves the logits by %.3f" % (kind, moved))
                assert moved > 1e-3, "%s does not matter in case %s" % (kind, case)
            golden.append(("logits." + fmt, got.to(torch.float32)))
        st_write(os.path.join(d, "golden.safetensors"), golden, {"case": case, "formats": ",".join(formats)})
    run(["make", "-s", "build/tests/test_export"])
    print(run(["build/tests/test_export"]).strip())


if __name__ == "__main__":
    main()
