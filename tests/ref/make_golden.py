#!/usr/bin/python3
"""make_golden.py -- write tests/golden/CASE/{config.json,model.safetensors,
golden.safetensors} from the PyTorch reference in bert_ref.py.

Run from the repository root with Debian's Python (it has python3-torch):
    /usr/bin/python3 tests/ref/make_golden.py [--out tests/golden] [--skip-checks]
The output is byte-identical across reruns (seeded torch.Generator, one
thread, float64 maths). See tests/golden/README.md for the file format.
"""
import argparse
import json
import math
import os
import struct
import sys
from collections import OrderedDict

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bert_ref as R  # noqa: E402

HYPER = OrderedDict([("lr", 1e-2), ("weight_decay", 0.01), ("beta1", 0.9),
                     ("beta2", 0.999), ("eps", 1e-8), ("warmup_steps", 2),
                     ("total_steps", 5), ("clip_norm", 1.0)])

# name, peft kwargs, task, head, num_labels, bert_prefix, pooler_in_checkpoint
CASES = [
    ("sa", dict(sa=8), "cls", "autopeft", 3, False, True),
    ("pa", dict(pa=8), "cls", "autopeft", 3, False, True),
    ("pt", dict(pt=4, prefix_mid=96), "cls", "autopeft", 3, False, True),
    ("lora", dict(lora=4, lora_alpha=8), "cls", "autopeft", 3, False, True),
    ("all", dict(sa=8, pa=4, pt=3, lora=2, lora_alpha=8, prefix_mid=24,
                 layers=[1, 0, 1]), "cls", "autopeft", 3, False, True),
    ("all_skip0", dict(sa=4, pa=4, pt=2, lora=2, lora_alpha=6, prefix_mid=18,
                       layers=[0, 1, 1]), "cls", "autopeft", 3, False, True),
    ("reg", dict(sa=4), "reg", "autopeft", 1, False, True),
    ("full", dict(full=True), "cls", "autopeft", 3, False, True),
    ("mlm", dict(full=True), "mlm", "hf", 0, True, False),
    ("hf_cls", dict(), "hf_cls", "hf", 2, True, True),
]


# ---------------------------------------------------------------- safetensors

def st_write(path, tensors, metadata=None):
    """tensors: list of (name, torch tensor) written as F32 (float) or I64
    (integer). Header JSON padded with spaces to a multiple of 8."""
    header = OrderedDict()
    blobs = []
    off = 0
    for name, t in tensors:
        t = t.detach().contiguous()
        if t.dtype.is_floating_point:
            t, dt = t.to(torch.float32), "F32"
        else:
            t, dt = t.to(torch.int64), "I64"
        b = t.numpy().astype(t.numpy().dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = OrderedDict([("dtype", dt), ("shape", list(t.shape)),
                                    ("data_offsets", [off, off + len(b)])])
        blobs.append(b)
        off += len(b)
    if metadata:
        header["__metadata__"] = OrderedDict((str(k), str(v)) for k, v in metadata.items())
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def st_read(path):
    """Minimal independent reader used to verify what st_write produced."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    body = data[8 + n:]
    out = OrderedDict()
    end_max = 0
    for name, d in header.items():
        b, e = d["data_offsets"]
        dt = {"F32": torch.float32, "I64": torch.int64}[d["dtype"]]
        numel = math.prod(d["shape"]) if d["shape"] else 1
        assert e - b == numel * (4 if dt == torch.float32 else 8), name
        buf = bytearray(body[b:e])
        t = torch.frombuffer(buf, dtype=dt) if numel else torch.zeros(0, dtype=dt)
        out[name] = t.reshape(d["shape"]).clone()
        end_max = max(end_max, e)
    assert end_max == len(body), "trailing bytes in " + path
    assert n % 8 == 0
    return out, meta


# ---------------------------------------------------------------- inputs

def make_inputs(cfg, task, B=3, T=6, seed=99):
    g = torch.Generator().manual_seed(seed)
    V = cfg.vocab_size
    mask = torch.tensor([[1] * T, [1] * (T - 2) + [0] * 2, [1] * (T - 1) + [0]][:B],
                        dtype=torch.int64)
    ids = torch.randint(3, V, (B, T), generator=g)
    ids[:, 0] = 2                                   # a [CLS]-like id
    ids[mask == 0] = 0                              # [PAD]
    tt = torch.tensor([[0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 0, 0], [0, 0, 0, 0, 1, 0]][:B],
                      dtype=torch.int64)[:, :T]
    if task == "mlm":
        labels = torch.full((B, T), -100, dtype=torch.int64)
        pick = torch.rand((B, T), generator=g) < 0.5
        pick[:, 0] = False
        pick &= mask.bool()
        pick[0, 1] = True                           # at least one per batch
        labels[pick] = torch.randint(0, V, (int(pick.sum()),), generator=g)
    elif task == "reg":
        labels = torch.randn(B, generator=g, dtype=torch.float64).to(torch.float32) * 2.0
    else:
        C = cfg.num_labels
        labels = torch.randint(0, C, (B,), generator=g)
        labels[0] = C - 1
        labels[1] = 0
    return ids, tt, mask, labels


# ---------------------------------------------------------------- one case

# The golden model: small enough that ten cases stay well under 2 MB, with
# distinct sizes (V, H, I, head_dim, bottlenecks) so a transposed or
# mis-strided matrix cannot go unnoticed.
GOLDEN_CFG = dict(vocab_size=37, hidden_size=20, num_hidden_layers=3,
                  num_attention_heads=4, intermediate_size=44,
                  max_position_embeddings=16, type_vocab_size=2,
                  layer_norm_eps=1e-12, hidden_dropout_prob=0.0,
                  attention_probs_dropout_prob=0.0)


def run_case(outdir, name, pk, task, head, C, bert_prefix, pooler, check_adamw):
    arch = {"mlm": "BertForMaskedLM", "hf_cls": "BertForSequenceClassification"}
    cfg = R.Config(num_labels=C, architecture=arch.get(task, "BertModel"), **GOLDEN_CFG)
    pc = R.Peft(cfg.num_hidden_layers, **pk)
    P32 = R.init_params(cfg, pc, head, task, pooler=pooler)
    ids, tt, mask, labels = make_inputs(cfg, task)
    names = R.trainable_names(P32, cfg, pc, head, task)

    def fresh():
        return OrderedDict((n, t.to(torch.float64).clone().requires_grad_(n in names))
                           for n, t in P32.items())

    P = fresh()
    logits = R.forward(P, cfg, pc, head, task, ids, tt, mask)
    loss = R.loss_fn(logits, labels, task)
    loss.backward()
    grads = OrderedDict((n, P[n].grad) for n in names)
    for n, gr in grads.items():
        assert gr is not None, "no gradient for trainable " + n
    for n in P:
        if n not in names:
            assert P[n].grad is None
    # every module really contributes: no trainable tensor has an all-zero gradient
    for n, gr in grads.items():
        if not n.startswith("embeddings."):
            assert float(gr.abs().max()) > 0, "zero gradient for " + n

    h = HYPER
    targs = (h["lr"], h["weight_decay"], (h["beta1"], h["beta2"]), h["eps"],
             h["warmup_steps"], h["total_steps"], h["clip_norm"])
    Pt = fresh()

    def step_loss_of(PP):
        return lambda: R.loss_fn(R.forward(PP, cfg, pc, head, task, ids, tt, mask), labels, task)

    losses = R.train_steps(Pt, names, step_loss_of(Pt), h["total_steps"], *targs)
    if check_adamw:
        Pm = fresh()
        lm = R.manual_adamw_steps(Pm, names, step_loss_of(Pm), h["total_steps"], *targs)
        d = max(abs(a - b) for a, b in zip(losses, lm))
        dp = max(float((Pt[n] - Pm[n]).abs().max()) for n in names)
        assert d < 1e-12 and dp < 1e-10, "manual AdamW disagrees: %g %g" % (d, dp)

    # ---- information for the C tolerances: the same maths in float32
    P4 = OrderedDict((n, t.clone().requires_grad_(n in names)) for n, t in P32.items())
    lg4 = R.forward(P4, cfg, pc, head, task, ids, tt, mask)
    l4 = R.loss_fn(lg4, labels, task)
    l4.backward()
    # relative to the tensor's largest gradient, but at least 1e-3 of the
    # largest gradient of all (a key bias gets a mathematically zero gradient
    # without a prefix: softmax is invariant to q.b_k added to every score)
    gmax = max(float(g.abs().max()) for g in grads.values())
    f32 = (float((lg4.double() - logits).abs().max()), abs(l4.item() - loss.item()),
           max(float((P4[n].grad.double() - g).abs().max())
               / max(float(g.abs().max()), 1e-3 * gmax) for n, g in grads.items()))
    P4 = OrderedDict((n, t.clone().requires_grad_(n in names)) for n, t in P32.items())
    l4s = R.train_steps(P4, names, step_loss_of(P4), h["total_steps"], *targs)
    f32 += (max(abs(a - b) for a, b in zip(l4s, losses)),)

    # ---- files
    cdir = os.path.join(outdir, name)
    os.makedirs(cdir, exist_ok=True)
    with open(os.path.join(cdir, "config.json"), "w") as f:
        f.write(cfg.to_json())
    base = set(n for n, _ in R.base_shapes(cfg, pooler=True))
    model = [(("bert." + n) if (bert_prefix and n in base) else n, t) for n, t in P32.items()]
    st_write(os.path.join(cdir, "model.safetensors"), model,
             OrderedDict([("format", "pt")]))
    meta = OrderedDict([
        ("case", name), ("sa", pc.sa), ("pa", pc.pa), ("pt", pc.pt), ("lora", pc.lora),
        ("lora_alpha", "%g" % pc.lora_alpha), ("prefix_mid", pc.prefix_mid),
        ("layers", ",".join(str(x) for x in pc.layers)), ("full", int(pc.full)),
        ("task", task), ("head", head)])
    for k, v in HYPER.items():
        meta[k] = repr(v)
    meta["bert_prefix"] = int(bert_prefix)
    gold = [("input_ids", ids), ("token_type_ids", tt), ("attention_mask", mask),
            ("labels", labels), ("logits", logits), ("loss", loss.reshape(1)),
            ("adamw_losses", torch.tensor(losses, dtype=torch.float64))]
    gold += [("grad." + n, g) for n, g in grads.items()]
    gpath = os.path.join(cdir, "golden.safetensors")
    st_write(gpath, gold, meta)

    # ---- verify the written files round-trip
    mt, mm = st_read(os.path.join(cdir, "model.safetensors"))
    for (n, t), (n2, t2) in zip(model, mt.items()):
        assert n == n2 and torch.equal(t.to(torch.float32), t2)
    gt, gm = st_read(gpath)
    assert gm == OrderedDict((k, str(v)) for k, v in meta.items())
    assert torch.equal(gt["logits"], logits.detach().to(torch.float32))
    sizes = (os.path.getsize(os.path.join(cdir, "model.safetensors")), os.path.getsize(gpath))
    ntrain = sum(P32[n].numel() for n in names)
    print("%-10s task=%-6s trainable=%2d tensors %6d params  loss=%.6f  "
          "adamw %s  model=%dB golden=%dB" % (
              name, task, len(names), ntrain, loss.item(),
              " ".join("%.5f" % x for x in losses), sizes[0], sizes[1]))
    print("%-10s float32 reference vs float64 golden: logits %.2g, loss %.2g, "
          "grad (relative) %.2g, adamw_losses %.2g" % (("",) + f32))
    return sum(sizes) + os.path.getsize(os.path.join(cdir, "config.json"))


# ---------------------------------------------------------------- self-checks

def check_gradcheck():
    """Autograd of the reference agrees with finite differences (float64)."""
    cfg = R.Config(vocab_size=11, hidden_size=8, num_hidden_layers=2,
                   num_attention_heads=2, intermediate_size=12,
                   max_position_embeddings=8, layer_norm_eps=1e-12)
    tiny = [
        ("all-cls", dict(sa=3, pa=2, pt=2, lora=2, lora_alpha=3, prefix_mid=5,
                         layers=[1, 1]), "cls", "autopeft", 3),
        ("skip0-reg", dict(sa=2, pa=3, pt=2, lora=1, prefix_mid=4, layers=[0, 1]),
         "reg", "autopeft", 1),
        ("mlm-full", dict(full=True), "mlm", "hf", 0),
        ("hf_cls", dict(), "hf_cls", "hf", 2),
    ]
    for label, pk, task, head, C in tiny:
        cfg.num_labels = C
        pc = R.Peft(cfg.num_hidden_layers, **pk)
        P0 = R.init_params(cfg, pc, head, task, seed=7, dtype=torch.float64)
        ids, tt, mask, labels = make_inputs(cfg, task, B=2, T=4, seed=5)
        names = R.trainable_names(P0, cfg, pc, head, task)
        leaves = [P0[n].clone().requires_grad_(True) for n in names]

        def f(*xs):
            P = OrderedDict(P0)
            for n, x in zip(names, xs):
                P[n] = x
            return R.loss_fn(R.forward(P, cfg, pc, head, task, ids, tt, mask), labels, task)

        ok = torch.autograd.gradcheck(f, leaves, eps=1e-6, atol=1e-7, rtol=1e-5)
        assert ok
        print("gradcheck %-10s ok (%d tensors, %d elements)"
              % (label, len(leaves), sum(x.numel() for x in leaves)))


def check_plain_encoder():
    """With every PEFT module off, the reference encoder equals a plain
    implementation from torch.nn building blocks (nn.Embedding, nn.LayerNorm,
    nn.TransformerEncoderLayer, post-LN, erf GELU)."""
    cfg = R.Config(**GOLDEN_CFG)
    pc = R.Peft(cfg.num_hidden_layers)
    P = R.init_params(cfg, pc, "autopeft", "cls", dtype=torch.float64)
    ids, tt, mask, _ = make_inputs(cfg, "cls")
    H, NH, I, eps = (cfg.hidden_size, cfg.num_attention_heads,
                     cfg.intermediate_size, cfg.layer_norm_eps)
    with torch.no_grad():
        we = torch.nn.Embedding.from_pretrained(P["embeddings.word_embeddings.weight"])
        pe = torch.nn.Embedding.from_pretrained(P["embeddings.position_embeddings.weight"])
        te = torch.nn.Embedding.from_pretrained(P["embeddings.token_type_embeddings.weight"])
        ln = torch.nn.LayerNorm(H, eps=eps).double()
        ln.weight.copy_(P["embeddings.LayerNorm.weight"])
        ln.bias.copy_(P["embeddings.LayerNorm.bias"])
        x = ln(we(ids) + pe(torch.arange(ids.shape[1]))[None] + te(tt))
        for l in range(cfg.num_hidden_layers):
            p = "encoder.layer.%d." % l
            m = torch.nn.TransformerEncoderLayer(H, NH, I, dropout=0.0, activation="gelu",
                                                 layer_norm_eps=eps, batch_first=True,
                                                 norm_first=False).double()
            m.train()   # training mode with dropout 0: avoids the nested-tensor fast path
            sa = m.self_attn
            sa.in_proj_weight.copy_(torch.cat([P[p + "attention.self.%s.weight" % k]
                                               for k in ("query", "key", "value")]))
            sa.in_proj_bias.copy_(torch.cat([P[p + "attention.self.%s.bias" % k]
                                             for k in ("query", "key", "value")]))
            sa.out_proj.weight.copy_(P[p + "attention.output.dense.weight"])
            sa.out_proj.bias.copy_(P[p + "attention.output.dense.bias"])
            m.norm1.weight.copy_(P[p + "attention.output.LayerNorm.weight"])
            m.norm1.bias.copy_(P[p + "attention.output.LayerNorm.bias"])
            m.linear1.weight.copy_(P[p + "intermediate.dense.weight"])
            m.linear1.bias.copy_(P[p + "intermediate.dense.bias"])
            m.linear2.weight.copy_(P[p + "output.dense.weight"])
            m.linear2.bias.copy_(P[p + "output.dense.bias"])
            m.norm2.weight.copy_(P[p + "output.LayerNorm.weight"])
            m.norm2.bias.copy_(P[p + "output.LayerNorm.bias"])
            x = m(x, src_key_padding_mask=(mask == 0))
        y = R.encoder(P, cfg, pc, ids, tt, mask)
    d = float((x - y).abs().max())
    assert d < 1e-12, "plain encoder differs by %g" % d
    print("plain encoder (nn.TransformerEncoderLayer) max abs diff %.3g" % d)

    # Modules whose output projection is zero leave the encoder unchanged.
    pz = R.Peft(cfg.num_hidden_layers, sa=4, pa=3, lora=2, layers=[1, 0, 1])
    Pz = R.init_params(cfg, pz, "autopeft", "cls", dtype=torch.float64)
    for n in Pz:
        if n.endswith(("adapter.up.weight", "adapter.up.bias", "parallel.up.weight",
                       "parallel.up.bias", "lora_B")):
            Pz[n] = torch.zeros_like(Pz[n])
    with torch.no_grad():
        yz = R.encoder(Pz, cfg, pz, ids, tt, mask)
    d = float((yz - y).abs().max())
    assert d < 1e-12, "zeroed modules change the output by %g" % d
    # ... and with them non-zero, every module changes it.
    for kw in (dict(sa=4), dict(pa=3), dict(lora=2), dict(pt=2, prefix_mid=8)):
        pn = R.Peft(cfg.num_hidden_layers, **kw)
        Pn = R.init_params(cfg, pn, "autopeft", "cls", dtype=torch.float64)
        with torch.no_grad():
            dn = float((R.encoder(Pn, cfg, pn, ids, tt, mask) - y).abs().max())
        assert dn > 1e-2, "module %s barely changes the output (%g)" % (kw, dn)
    print("zero-output modules leave the encoder unchanged (diff %.3g); "
          "non-zero ones change it" % d)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "golden"))
    ap.add_argument("--skip-checks", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    if not a.skip_checks:
        check_plain_encoder()
        check_gradcheck()
    total = 0
    for c in CASES:
        total += run_case(a.out, *c, check_adamw=not a.skip_checks)
    print("total golden size %d bytes (%d cases)" % (total, len(CASES)))


if __name__ == "__main__":
    main()
