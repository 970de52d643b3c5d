"""bert_ref.py -- from-scratch PyTorch reference for the autopeft BERT engine.

Hugging Face BertModel semantics written out by hand (transformers is not
installed), plus the AutoPEFT modules exactly as lib/engine/bert.h specifies them.
Parameters live in a flat dict {name: tensor} using the CONTRACT names of
lib/engine/bert.h (no "bert." prefix); the model is a pure function of that dict,
which makes gradcheck and the golden-file generator straightforward.

  embeddings   LN(word[ids] + pos[0..T-1] + type[tt])            (+dropout)
  each block   a   = LN_attn(x + Dropout(Dense(Attn(x))))           post-LN
               attn: scores = q k^T / sqrt(hd) + (1-mask)*finfo.min,
                     softmax, Dropout, @ v; prefix K/V prepended, mask 0
               LoRA: q += (alpha/r) (a A^T) B^T, same for v
               h   = Dropout(Dense_o(GELU_erf(Dense_i(a))))
               u   = LN_out(h + a)                 (serial adapter on only)
               SA  = up(ReLU(down(u)))
               PA  = 4 * up_p(ReLU(down_p(a)))
               y   = LN_out(h + SA + PA + a)
  heads        autopeft: out(Dropout(tanh(dense(Dropout(y[:,0])))))
               hf:       classifier(Dropout(tanh(pooler(y[:,0]))))
               mlm:      LN(gelu(dense(y))) @ word_embeddings^T + cls.predictions.bias

Usable with /usr/bin/python3 (Debian python3-torch 1.13).
"""
import json
import math
from collections import OrderedDict

import torch
import torch.nn.functional as F


class Config:
    """Hugging Face BertConfig subset (the keys of config.json)."""

    def __init__(self, vocab_size=40, hidden_size=32, num_hidden_layers=3,
                 num_attention_heads=4, intermediate_size=64,
                 max_position_embeddings=16, type_vocab_size=2,
                 layer_norm_eps=1e-12, hidden_dropout_prob=0.0,
                 attention_probs_dropout_prob=0.0, hidden_act="gelu",
                 num_labels=2, architecture="BertModel"):
        self.architecture = architecture
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.max_position_embeddings = max_position_embeddings
        self.type_vocab_size = type_vocab_size
        self.layer_norm_eps = layer_norm_eps
        self.hidden_dropout_prob = hidden_dropout_prob
        self.attention_probs_dropout_prob = attention_probs_dropout_prob
        if hidden_act != "gelu":
            raise ValueError("only hidden_act 'gelu' (erf) is supported")
        self.hidden_act = hidden_act
        self.num_labels = num_labels
        if hidden_size % num_attention_heads:
            raise ValueError("hidden_size not divisible by num_attention_heads")

    def to_json(self):
        d = OrderedDict()
        d["architectures"] = [self.architecture]
        d["model_type"] = "bert"
        for k in ("vocab_size", "hidden_size", "num_hidden_layers",
                  "num_attention_heads", "intermediate_size",
                  "max_position_embeddings", "type_vocab_size",
                  "layer_norm_eps", "hidden_dropout_prob",
                  "attention_probs_dropout_prob", "hidden_act"):
            d[k] = getattr(self, k)
        if self.num_labels > 0:    # absent (as in bert-base-uncased) when 0
            d["id2label"] = OrderedDict((str(i), "LABEL_%d" % i) for i in range(self.num_labels))
            d["label2id"] = OrderedDict(("LABEL_%d" % i, i) for i in range(self.num_labels))
        return json.dumps(d, indent=2) + "\n"


class Peft:
    """A PEFT configuration (mirrors peft_config in lib/config/peft.h)."""

    def __init__(self, n_layers, sa=0, pa=0, pt=0, lora=0, lora_alpha=8.0,
                 prefix_mid=800, full=False, layers=None):
        self.sa, self.pa, self.pt, self.lora = sa, pa, pt, lora
        self.lora_alpha = float(lora_alpha)
        self.prefix_mid = prefix_mid
        self.full = bool(full)
        self.layers = list(layers) if layers is not None else [1] * n_layers
        if len(self.layers) != n_layers:
            raise ValueError("layer flags do not match the number of layers")

    def active(self):
        return [l for l, on in enumerate(self.layers) if on]


# ---------------------------------------------------------------- names

def base_shapes(cfg, pooler=True):
    """(name, shape) of the BertModel tensors, CONTRACT names, in HF order."""
    V, H, P, TV, I = (cfg.vocab_size, cfg.hidden_size, cfg.max_position_embeddings,
                      cfg.type_vocab_size, cfg.intermediate_size)
    s = [("embeddings.word_embeddings.weight", (V, H)),
         ("embeddings.position_embeddings.weight", (P, H)),
         ("embeddings.token_type_embeddings.weight", (TV, H)),
         ("embeddings.LayerNorm.weight", (H,)),
         ("embeddings.LayerNorm.bias", (H,))]
    for l in range(cfg.num_hidden_layers):
        p = "encoder.layer.%d." % l
        for m in ("query", "key", "value"):
            s += [(p + "attention.self.%s.weight" % m, (H, H)),
                  (p + "attention.self.%s.bias" % m, (H,))]
        s += [(p + "attention.output.dense.weight", (H, H)),
              (p + "attention.output.dense.bias", (H,)),
              (p + "attention.output.LayerNorm.weight", (H,)),
              (p + "attention.output.LayerNorm.bias", (H,)),
              (p + "intermediate.dense.weight", (I, H)),
              (p + "intermediate.dense.bias", (I,)),
              (p + "output.dense.weight", (H, I)),
              (p + "output.dense.bias", (H,)),
              (p + "output.LayerNorm.weight", (H,)),
              (p + "output.LayerNorm.bias", (H,))]
    if pooler:
        s += [("pooler.dense.weight", (H, H)), ("pooler.dense.bias", (H,))]
    return s


def head_shapes(cfg, head, task):
    """Tensors of the task head: head in {'autopeft','hf'}, task in {cls,reg,mlm,hf_cls}."""
    H, C, V = cfg.hidden_size, cfg.num_labels, cfg.vocab_size
    if task == "mlm":
        return [("cls.predictions.transform.dense.weight", (H, H)),
                ("cls.predictions.transform.dense.bias", (H,)),
                ("cls.predictions.transform.LayerNorm.weight", (H,)),
                ("cls.predictions.transform.LayerNorm.bias", (H,)),
                ("cls.predictions.bias", (V,))]
    if head == "hf":
        return [("classifier.weight", (C, H)), ("classifier.bias", (C,))]
    return [("head.dense.weight", (H, H)), ("head.dense.bias", (H,)),
            ("head.out.weight", (C, H)), ("head.out.bias", (C,))]


def peft_shapes(cfg, pc):
    H = cfg.hidden_size
    s = []
    for l in pc.active():
        p = "encoder.layer.%d." % l
        if pc.sa:
            s += [(p + "output.adapter.down.weight", (pc.sa, H)),
                  (p + "output.adapter.down.bias", (pc.sa,)),
                  (p + "output.adapter.up.weight", (H, pc.sa)),
                  (p + "output.adapter.up.bias", (H,))]
        if pc.pa:
            s += [(p + "output.parallel.down.weight", (pc.pa, H)),
                  (p + "output.parallel.down.bias", (pc.pa,)),
                  (p + "output.parallel.up.weight", (H, pc.pa)),
                  (p + "output.parallel.up.bias", (H,))]
        if pc.lora:
            for m in ("query", "value"):
                s += [(p + "attention.self.%s.lora_A" % m, (pc.lora, H)),
                      (p + "attention.self.%s.lora_B" % m, (H, pc.lora))]
    if pc.pt and pc.active():
        La = len(pc.active())
        s += [("prefix.embedding.weight", (pc.pt, H)),
              ("prefix.mlp.0.weight", (pc.prefix_mid, H)),
              ("prefix.mlp.0.bias", (pc.prefix_mid,)),
              ("prefix.mlp.2.weight", (2 * H * La, pc.prefix_mid)),
              ("prefix.mlp.2.bias", (2 * H * La,))]
    return s


def no_decay(name):
    """AdamW parameter groups: no weight decay for biases and LayerNorm weights."""
    return name.endswith("bias") or "LayerNorm" in name


def trainable_names(params, cfg, pc, head, task):
    """Names that get a gradient, in params order. Base tensors are trainable
    only under full fine-tuning; the pooler only with the HF classification
    head (it is unused otherwise, so it gets no gradient)."""
    base = set(n for n, _ in base_shapes(cfg, pooler=False))
    out = []
    for n in params:
        if n.startswith("pooler."):
            if task == "hf_cls":
                out.append(n)
        elif n in base:
            if pc.full:
                out.append(n)
        else:
            out.append(n)           # PEFT tensors and the head
    return out


# ---------------------------------------------------------------- model

def _ln(x, P, name, eps):
    return F.layer_norm(x, x.shape[-1:], P[name + ".weight"], P[name + ".bias"], eps)


def _lin(x, P, name):
    return F.linear(x, P[name + ".weight"], P[name + ".bias"])


def _gelu(x):
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def prefix_kv(P, cfg, pc):
    """{layer: (K, V)} with K, V of shape (NH, pt, hd), from the prefix MLP.
    MLP output row for prefix position p, column ((a*2+kv)*H + h)."""
    if not (pc.pt and pc.active()):
        return {}
    H, NH = cfg.hidden_size, cfg.num_attention_heads
    hd = H // NH
    act = pc.active()
    e = P["prefix.embedding.weight"]                      # (pt, H): Embedding(arange(pt))
    m = torch.tanh(_lin(e, P, "prefix.mlp.0"))            # (pt, mid)
    o = _lin(m, P, "prefix.mlp.2")                        # (pt, 2*H*La)
    o = o.view(pc.pt, len(act), 2, NH, hd).permute(1, 2, 3, 0, 4)  # (La, 2, NH, pt, hd)
    return {l: (o[a, 0], o[a, 1]) for a, l in enumerate(act)}


def encoder(P, cfg, pc, input_ids, token_type_ids, attention_mask, training=False):
    """Returns the last hidden state (B, T, H)."""
    B, T = input_ids.shape
    H, NH = cfg.hidden_size, cfg.num_attention_heads
    hd = H // NH
    eps = cfg.layer_norm_eps
    pdrop, adrop = cfg.hidden_dropout_prob, cfg.attention_probs_dropout_prob
    dt = P["embeddings.word_embeddings.weight"].dtype

    pos = torch.arange(T)
    x = (P["embeddings.word_embeddings.weight"][input_ids]
         + P["embeddings.position_embeddings.weight"][pos][None]
         + P["embeddings.token_type_embeddings.weight"][token_type_ids])
    x = _ln(x, P, "embeddings.LayerNorm", eps)
    x = F.dropout(x, pdrop, training)

    # extended additive mask over keys: (B, 1, 1, T)
    ext = (1.0 - attention_mask.to(dt))[:, None, None, :] * torch.finfo(dt).min
    pkv = prefix_kv(P, cfg, pc)
    scale = pc.lora_alpha / pc.lora if pc.lora else 0.0

    def heads(t):                                         # (B,T,H) -> (B,NH,T,hd)
        return t.view(B, T, NH, hd).permute(0, 2, 1, 3)

    for l in range(cfg.num_hidden_layers):
        p = "encoder.layer.%d." % l
        on = bool(pc.layers[l])
        q = _lin(x, P, p + "attention.self.query")
        k = _lin(x, P, p + "attention.self.key")
        v = _lin(x, P, p + "attention.self.value")
        if on and pc.lora:
            q = q + scale * F.linear(F.linear(x, P[p + "attention.self.query.lora_A"]),
                                     P[p + "attention.self.query.lora_B"])
            v = v + scale * F.linear(F.linear(x, P[p + "attention.self.value.lora_A"]),
                                     P[p + "attention.self.value.lora_B"])
        q, k, v = heads(q), heads(k), heads(v)
        mask = ext
        if l in pkv:
            pk, pv = pkv[l]                               # (NH, pt, hd)
            k = torch.cat([pk[None].expand(B, -1, -1, -1), k], dim=2)
            v = torch.cat([pv[None].expand(B, -1, -1, -1), v], dim=2)
            mask = torch.cat([torch.zeros(B, 1, 1, pc.pt, dtype=dt), ext], dim=3)
        s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hd) + mask
        a = F.dropout(torch.softmax(s, dim=-1), adrop, training)
        ctx = torch.matmul(a, v).permute(0, 2, 1, 3).reshape(B, T, H)
        ao = F.dropout(_lin(ctx, P, p + "attention.output.dense"), pdrop, training)
        xa = _ln(ao + x, P, p + "attention.output.LayerNorm", eps)     # FFN input
        h = _lin(_gelu(_lin(xa, P, p + "intermediate.dense")), P, p + "output.dense")
        h = F.dropout(h, pdrop, training)
        r = h + xa
        if on and pc.sa:
            u = _ln(h + xa, P, p + "output.LayerNorm", eps)
            r = r + _lin(torch.relu(_lin(u, P, p + "output.adapter.down")), P,
                         p + "output.adapter.up")
        if on and pc.pa:
            r = r + 4.0 * _lin(torch.relu(_lin(xa, P, p + "output.parallel.down")), P,
                               p + "output.parallel.up")
        x = _ln(r, P, p + "output.LayerNorm", eps)
    return x


def forward(P, cfg, pc, head, task, input_ids, token_type_ids, attention_mask,
            training=False):
    """Logits: (B, C) for cls/reg/hf_cls, (B, T, V) for mlm."""
    y = encoder(P, cfg, pc, input_ids, token_type_ids, attention_mask, training)
    pdrop = cfg.hidden_dropout_prob
    if task == "mlm":
        t = _gelu(_lin(y, P, "cls.predictions.transform.dense"))
        t = _ln(t, P, "cls.predictions.transform.LayerNorm", cfg.layer_norm_eps)
        return F.linear(t, P["embeddings.word_embeddings.weight"], P["cls.predictions.bias"])
    c = y[:, 0]
    if head == "hf":
        pooled = torch.tanh(_lin(c, P, "pooler.dense"))
        return _lin(F.dropout(pooled, pdrop, training), P, "classifier")
    c = torch.tanh(_lin(F.dropout(c, pdrop, training), P, "head.dense"))
    return _lin(F.dropout(c, pdrop, training), P, "head.out")


def loss_fn(logits, labels, task):
    if task == "mlm":
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1),
                               ignore_index=-100)
    if task == "reg":
        return F.mse_loss(logits.reshape(-1), labels.to(logits.dtype).reshape(-1))
    return F.cross_entropy(logits, labels)


# ---------------------------------------------------------------- training

def hf_linear_warmup(warmup, total):
    """Hugging Face get_linear_schedule_with_warmup multiplier."""
    def f(step):
        if step < warmup:
            return float(step) / float(max(1, warmup))
        return max(0.0, float(total - step) / float(max(1, total - warmup)))
    return f


def make_optimizer(P, names, lr, weight_decay, betas, eps, warmup, total):
    decay = [P[n] for n in names if not no_decay(n)]
    nodecay = [P[n] for n in names if no_decay(n)]
    groups = [g for g in ({"params": decay, "weight_decay": weight_decay},
                          {"params": nodecay, "weight_decay": 0.0}) if g["params"]]
    opt = torch.optim.AdamW(groups, lr=lr, betas=betas, eps=eps)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, hf_linear_warmup(warmup, total))
    return opt, sched


def train_steps(P, names, step_loss, steps, lr, weight_decay, betas, eps,
                warmup, total, clip_norm):
    """Runs `steps` AdamW steps; returns the losses before each step and after
    the last one (steps + 1 values). step_loss() computes the loss from P."""
    opt, sched = make_optimizer(P, names, lr, weight_decay, betas, eps, warmup, total)
    tr = [P[n] for n in names]
    losses = []
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        loss = step_loss()
        losses.append(loss.item())
        loss.backward()
        torch.nn.utils.clip_grad_norm_(tr, clip_norm)
        opt.step()
        sched.step()
    with torch.no_grad():
        losses.append(step_loss().item())
    return losses


def manual_adamw_steps(P, names, step_loss, steps, lr, weight_decay, betas, eps,
                       warmup, total, clip_norm):
    """The same as train_steps, written out from the formulas in
    tests/golden/README.md (what the C engine implements); used as a check."""
    b1, b2 = betas
    sched = hf_linear_warmup(warmup, total)
    m = {n: torch.zeros_like(P[n]) for n in names}
    v = {n: torch.zeros_like(P[n]) for n in names}
    losses = []
    for s in range(steps):
        for n in names:
            P[n].grad = None
        loss = step_loss()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            norm = math.sqrt(sum(float((P[n].grad ** 2).sum()) for n in names))
            c = clip_norm / (norm + 1e-6) if norm > clip_norm else 1.0
            a = lr * sched(s)
            t = s + 1
            for n in names:
                g = P[n].grad * c
                wd = 0.0 if no_decay(n) else weight_decay
                P[n].mul_(1.0 - a * wd)
                m[n].mul_(b1).add_((1 - b1) * g)
                v[n].mul_(b2).add_((1 - b2) * g * g)
                mh = m[n] / (1 - b1 ** t)
                vh = v[n] / (1 - b2 ** t)
                P[n].sub_(a * mh / (vh.sqrt() + eps))
    with torch.no_grad():
        losses.append(step_loss().item())
    return losses


# ---------------------------------------------------------------- init

def init_params(cfg, pc, head, task, seed=1234, peft_seed=None, peft_scale=0.5,
                pooler=True, dtype=torch.float32):
    """Random weights for tests (not a training init): a fixed seeded stream
    for the base model, heads drawn from the same stream, PEFT tensors from
    a second stream. Returns an OrderedDict name -> tensor."""
    g = torch.Generator().manual_seed(seed)
    H = cfg.hidden_size
    P = OrderedDict()

    def mat(shape, std):
        return torch.randn(shape, generator=g, dtype=torch.float64) * std

    for n, shape in base_shapes(cfg, pooler=True) + head_shapes(cfg, "autopeft", "mlm") \
            + head_shapes(cfg, "hf", "cls") + head_shapes(cfg, "autopeft", "cls"):
        if "LayerNorm.weight" in n:
            t = 1.0 + mat(shape, 0.1)
        elif n.endswith("bias"):
            t = mat(shape, 0.1)
        elif "embeddings" in n:
            t = mat(shape, 0.5)
        else:
            t = mat(shape, 1.0 / math.sqrt(shape[1]))
        P[n] = t
    want = [n for n, _ in base_shapes(cfg, pooler=pooler) + head_shapes(cfg, head, task)]
    P = OrderedDict((n, P[n]) for n in want)
    gp = torch.Generator().manual_seed(peft_seed if peft_seed is not None else seed + 1)
    for n, shape in peft_shapes(cfg, pc):
        # scaled so that every module visibly changes the output (adapter "up"
        # and LoRA B are non-zero on purpose): matrices ~ peft_scale/sqrt(fan_in)
        if n == "prefix.embedding.weight":
            std = 1.0
        elif n.endswith("bias"):
            std = 0.05
        else:
            std = peft_scale / math.sqrt(shape[1])
        P[n] = torch.randn(shape, generator=gp, dtype=torch.float64) * std
    return OrderedDict((n, t.to(dtype)) for n, t in P.items())
