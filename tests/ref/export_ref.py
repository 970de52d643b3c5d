"""export_ref.py -- what Hugging Face PEFT and AdapterHub `adapters` build
from the files `export` writes, without the libraries.

Neither library can be installed here, so their loading semantics are
written out from their source (commits and line numbers in
tests/ref/EXPORT.md):

  hf_bert()        a module tree with the attribute names of transformers'
                   BertForSequenceClassification, so that name matching works
                   on the same dotted names as in the libraries
  load_peft()      PeftModel.from_pretrained: LoraConfig from
                   adapter_config.json, target-module matching (suffix match,
                   layers_to_transform + layers_pattern), LoRA layers with
                   scaling lora_alpha / r, ModulesToSaveWrapper for
                   modules_to_save, and set_peft_model_state_dict's key
                   mapping (adapter name "default" re-inserted)
  load_adapters()  model.load_adapter(dir, use_safetensors=True) plus its
                   head: bottleneck adapters (serial and parallel), prefix
                   tuning and LoRA at the library's locations with its tensor
                   names and forward maths

Every loader is strict where the libraries are silent: a tensor in a file
that matches no parameter, or a parameter the files do not set, is an error,
so a wrong name fails the golden test instead of loading nothing.

Float64 throughout; evaluation mode (no dropout). Debian python3-torch 1.13.
"""
import json
import math
import os
import re
import sys
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_golden import st_read  # noqa: E402

DT = torch.float64


# ------------------------------------------------------------------ BERT
# transformers/models/bert/modeling_bert.py, eager attention, post-LN.

class BertEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        H = c["hidden_size"]
        self.word_embeddings = nn.Embedding(c["vocab_size"], H)
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], H)
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], H)
        self.LayerNorm = nn.LayerNorm(H, eps=c["layer_norm_eps"])

    def forward(self, ids, tt):
        pos = torch.arange(ids.shape[1])
        e = self.word_embeddings(ids) + self.token_type_embeddings(tt) + self.position_embeddings(pos)[None]
        return self.LayerNorm(e)


class BertSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        H = c["hidden_size"]
        self.nh = c["num_attention_heads"]
        self.hd = H // self.nh
        self.query = nn.Linear(H, H)
        self.key = nn.Linear(H, H)
        self.value = nn.Linear(H, H)
        # hook of adapters' PrefixTuningLayer: (k, v, mask) -> (k, v, mask)
        self.prefix_hook = None

    def split(self, x):
        B, T, _ = x.shape
        return x.view(B, T, self.nh, self.hd).permute(0, 2, 1, 3)

    def forward(self, x, mask):
        q = self.split(self.query(x))
        k = self.split(self.key(x))
        v = self.split(self.value(x))
        if self.prefix_hook is not None:
            k, v, mask = self.prefix_hook(k, v, mask)
        # extended additive mask: (1 - mask) * finfo.min
        add = (1.0 - mask[:, None, None, :].to(DT)) * torch.finfo(DT).min
        s = q @ k.transpose(-1, -2) / math.sqrt(self.hd) + add
        p = F.softmax(s, dim=-1)
        ctx = (p @ v).permute(0, 2, 1, 3).reshape(x.shape[0], x.shape[1], -1)
        return ctx


class BertSelfOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        H = c["hidden_size"]
        self.dense = nn.Linear(H, H)
        self.LayerNorm = nn.LayerNorm(H, eps=c["layer_norm_eps"])
        self.adapter_hook = None    # adapters: bottleneck_layer_forward at mh_adapter

    def forward(self, h, x):
        h = self.dense(h)
        if self.adapter_hook is not None:
            return self.adapter_hook(h, x, self.LayerNorm)
        return self.LayerNorm(h + x)


class BertAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = BertSelfAttention(c)
        self.output = BertSelfOutput(c)

    def forward(self, x, mask):
        return self.output(self.self(x, mask), x)


class BertIntermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["intermediate_size"])

    def forward(self, x):
        return F.gelu(self.dense(x))    # hidden_act "gelu": the erf form


class BertOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        H = c["hidden_size"]
        self.dense = nn.Linear(c["intermediate_size"], H)
        self.LayerNorm = nn.LayerNorm(H, eps=c["layer_norm_eps"])
        self.adapter_hook = None    # adapters: bottleneck_layer_forward at output_adapter

    def forward(self, h, x):
        h = self.dense(h)
        if self.adapter_hook is not None:
            return self.adapter_hook(h, x, self.LayerNorm)
        return self.LayerNorm(h + x)


class BertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = BertAttention(c)
        self.intermediate = BertIntermediate(c)
        self.output = BertOutput(c)

    def forward(self, x, mask):
        a = self.attention(x, mask)
        return self.output(self.intermediate(a), a)


class BertEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(c) for _ in range(c["num_hidden_layers"])])

    def forward(self, x, mask):
        for lay in self.layer:
            x = lay(x, mask)
        return x


class BertPooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])

    def forward(self, y):
        return torch.tanh(self.dense(y[:, 0]))


class BertModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = BertEmbeddings(c)
        self.encoder = BertEncoder(c)
        self.pooler = BertPooler(c)

    def forward(self, ids, tt, mask):
        return self.encoder(self.embeddings(ids, tt), mask)


class BertForSequenceClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.bert = BertModel(c)
        self.classifier = nn.Linear(c["hidden_size"], len(c.get("id2label", {"0": 0, "1": 1})))

    def forward(self, ids, tt, mask):
        y = self.bert(ids, tt, mask)
        return self.classifier(self.bert.pooler(y))


def load_base(model_dir, num_labels=None):
    """from_pretrained of a BertModel checkpoint into a model with a head:
    names without the base_model_prefix "bert." get it; missing pooler and
    head weights stay at their (random) init, as transformers does."""
    with open(os.path.join(model_dir, "config.json")) as f:
        c = json.load(f)
    if num_labels is not None:
        c["id2label"] = {str(i): "LABEL_%d" % i for i in range(num_labels)}
    torch.manual_seed(0)
    m = BertForSequenceClassification(c).to(DT)
    w, _ = st_read(os.path.join(model_dir, "model.safetensors"))
    sd = m.state_dict()
    loaded = set()
    for k, v in w.items():
        name = k if k.startswith("bert.") or k.startswith("classifier.") else "bert." + k
        if name in sd:
            assert sd[name].shape == v.shape, (name, v.shape)
            sd[name].copy_(v.to(DT))
            loaded.add(name)
    missing = [k for k in sd if k not in loaded and not k.startswith(("bert.pooler.", "classifier."))]
    assert not missing, "base tensors missing: %s" % missing
    return m, c


def _unused(*a):
    return a


# ------------------------------------------------------------------ PEFT

class LoraLinear(nn.Module):
    """peft/tuners/lora/layer.py Linear: base_layer, lora_A/lora_B as
    ModuleDicts keyed by adapter name; forward adds
    lora_B(lora_A(dropout(x))) * scaling, scaling = lora_alpha / r
    (lora_alpha / sqrt(r) with use_rslora)."""

    def __init__(self, base, r, alpha, rslora):
        super().__init__()
        self.base_layer = base
        self.lora_A = nn.ModuleDict({"default": nn.Linear(base.in_features, r, bias=False)})
        self.lora_B = nn.ModuleDict({"default": nn.Linear(r, base.out_features, bias=False)})
        self.scaling = alpha / math.sqrt(r) if rslora else alpha / r

    def forward(self, x):
        return self.base_layer(x) + self.lora_B["default"](self.lora_A["default"](x)) * self.scaling


class ModulesToSaveWrapper(nn.Module):
    """peft/utils/other.py: original_module plus a trainable copy per
    adapter in modules_to_save[adapter]; the active copy is used."""

    def __init__(self, module):
        super().__init__()
        import copy
        self.original_module = module
        self.modules_to_save = nn.ModuleDict({"default": copy.deepcopy(module)})

    def forward(self, *a):
        return self.modules_to_save["default"](*a)


def _peft_target_matches(cfg, key):
    """tuners_utils.check_target_module_exists for a list target_modules,
    then the layers_to_transform filter (peft's regex on layers_pattern)."""
    tm = cfg["target_modules"]
    if isinstance(tm, str):
        ok = re.fullmatch(tm, key) is not None
    else:
        ok = key in tm or any(key.endswith("." + t) for t in tm)
    lt = cfg.get("layers_to_transform")
    if ok and lt is not None:
        if isinstance(lt, int):
            lt = [lt]
        pat = cfg.get("layers_pattern")
        idx = None
        if not pat:
            m = re.match(r".*?\.[^.]*\.(\d+)\.", key)
            idx = m and int(m.group(1))
        else:
            for p in ([pat] if isinstance(pat, str) else pat):
                m = re.match(r".*?\.{}\.(\d+)\.".format(p), key)
                if m is not None:
                    idx = int(m.group(1))
                    break
        ok = idx is not None and idx in lt
    return ok


def load_peft(model, peft_dir):
    """PeftModelForSequenceClassification.from_pretrained(model, peft_dir)."""
    with open(os.path.join(peft_dir, "adapter_config.json")) as f:
        cfg = json.load(f)
    assert cfg["peft_type"] == "LORA" and cfg["task_type"] == "SEQ_CLS", cfg
    assert cfg.get("bias", "none") == "none" and not cfg.get("fan_in_fan_out") and not cfg.get("use_dora")
    root = nn.Module()
    root.base_model = nn.Module()
    root.base_model.model = model
    # modules_to_save: SEQ_CLS adds "classifier" and "score"
    mts = list(cfg.get("modules_to_save") or []) + ["classifier", "score"]
    names = [n for n, _ in model.named_modules() if n]
    inside = []
    for n in names:
        if any(n.startswith(w + ".") for w in inside):
            continue
        parent_name, _, child = n.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        mod = getattr(parent, child)
        if any(n.endswith(t) for t in mts):      # other.py _set_trainable: key.endswith(target_key)
            setattr(parent, child, ModulesToSaveWrapper(mod))
            inside.append(n)
            continue
        if isinstance(mod, nn.Linear) and _peft_target_matches(cfg, n):
            r, alpha = cfg["r"], cfg["lora_alpha"]
            for pat, v in (cfg.get("rank_pattern") or {}).items():
                if re.match(r"(.*\.)?{}$".format(pat), n):
                    r = v
            for pat, v in (cfg.get("alpha_pattern") or {}).items():
                if re.match(r"(.*\.)?{}$".format(pat), n):
                    alpha = v
            setattr(parent, child, LoraLinear(mod, r, alpha, cfg.get("use_rslora", False)).to(DT))
    # set_peft_model_state_dict: saved keys have no adapter name; LoRA keys
    # get ".default" before ".weight", modules_to_save keys get
    # ".modules_to_save.default" after the wrapped module's name
    w, meta = st_read(os.path.join(peft_dir, "adapter_model.safetensors"))
    assert meta.get("format") == "pt", meta
    sd = root.state_dict()
    wrapped = [n for n, m in root.named_modules() if isinstance(m, ModulesToSaveWrapper)]
    done = set()
    for k, v in w.items():
        if "lora_" in k:
            name = re.sub(r"\.(lora_[AB])\.", r".\1.default.", k)
        else:
            name = None
            for wn in wrapped:
                if k.startswith(wn + "."):
                    name = wn + ".modules_to_save.default." + k[len(wn) + 1:]
        assert name in sd, "a saved tensor that matches nothing: " + k
        assert sd[name].shape == v.shape, (k, sd[name].shape, v.shape)
        sd[name].copy_(v.to(DT))
        done.add(name)
    missing = [n for n in sd if ("lora_" in n or ".modules_to_save." in n) and n not in done]
    assert not missing, "parameters the files do not set: %s" % missing
    return root.base_model.model, cfg


# ------------------------------------------------------------------ common

def forward(model, ids, tt, mask):
    model.eval()
    with torch.no_grad():
        return model(ids, tt, mask)


def load(base_dir, fmt_dir, fmt, num_labels):
    model, _ = load_base(base_dir, num_labels=num_labels)
    if fmt == "peft":
        return load_peft(model, fmt_dir)[0]
    return load_adapters(model, fmt_dir)


def sensitivity(base_dir, fmt_dir, fmt, num_labels, ids, tt, mask, ref):
    """For each group of exported tensors (the same name up to the layer
    index), the largest change of the logits when the group is zeroed."""
    import tempfile
    from make_golden import st_write
    files = [f for f in sorted(os.listdir(fmt_dir)) if f.endswith(".safetensors")]
    out = []
    for fn in files:
        w, meta = st_read(os.path.join(fmt_dir, fn))
        groups = OrderedDict()
        for k in w:
            groups.setdefault(re.sub(r"\.\d+\.", ".#.", k), []).append(k)
        for g, keys in groups.items():
            with tempfile.TemporaryDirectory() as t:
                for f2 in os.listdir(fmt_dir):
                    if f2 != fn:
                        with open(os.path.join(fmt_dir, f2), "rb") as a, open(os.path.join(t, f2), "wb") as b:
                            b.write(a.read())
                st_write(os.path.join(t, fn), [(k, torch.zeros_like(v) if k in keys else v) for k, v in w.items()],
                         meta)
                got = forward(load(base_dir, t, fmt, num_labels), ids, tt, mask)
            out.append((g.split("model.")[-1][-40:], (got - ref).abs().max().item()))
    return out


# ------------------------------------------------------------------ adapters
# adapter-hub/adapters 1.2.0 (commit 88f18eb): methods/modeling.py (Adapter,
# ParallelAdapter), methods/bottleneck.py (bottleneck_layer_forward),
# methods/prefix_tuning.py, methods/lora.py, heads/base.py, loading.py.

class Activation(nn.Module):
    """methods/modeling.py Activation_Function_Class via transformers'
    get_activation: "relu" -> ReLU, "tanh" -> Tanh."""

    def __init__(self, name):
        super().__init__()
        self.f = {"relu": torch.relu, "tanh": torch.tanh}[name.lower()]

    def forward(self, x):
        return self.f(x)


class BnAdapter(nn.Module):
    """Adapter / ParallelAdapter: adapter_down = Sequential(Linear, act),
    adapter_up = Linear; only the options the exporter may write are
    implemented, the others are asserted to be off."""

    def __init__(self, H, c):
        super().__init__()
        for k, v in (("ln_before", False), ("ln_after", False), ("use_gating", False), ("phm_layer", False),
                     ("adapter_residual_before_ln", False), ("mh_adapter", False), ("output_adapter", True)):
            assert c.get(k, v) == v, (k, c.get(k))
        self.parallel = c.get("is_parallel", False)
        rf = c["reduction_factor"]
        down = int(H // rf)                 # bottleneck.py add_adapter
        down = max(down, 1)                 # modeling.py: at least 1
        self.adapter_down = nn.Sequential(nn.Linear(H, down), Activation(c["non_linearity"]))
        self.adapter_up = nn.Linear(down, H)
        # modeling.py:100-107: a float is a constant factor; anything else must
        # be "learned" or "channel" (an integer 4 raises "Unknown scaling type")
        assert isinstance(c.get("scaling", 1.0), float), "scaling %r is not a float" % (c.get("scaling"),)
        self.scaling = c.get("scaling", 1.0)
        self.residual_before_ln = c.get("residual_before_ln", True)
        self.original_ln_before = c.get("original_ln_before", False)
        self.original_ln_after = c.get("original_ln_after", True)

    def pre_forward(self, h, x, ln):
        if self.parallel:                   # ParallelAdapter.pre_forward
            return x, x
        residual = h if self.residual_before_ln is True else None
        if self.original_ln_before:
            h = h + x
            if self.residual_before_ln == "post_add":
                residual = h
            h = ln(h)
        if not self.residual_before_ln:
            residual = h
        return h, residual

    def forward(self, h, residual):
        out = self.adapter_up(self.adapter_down(h)) * self.scaling
        return out if self.parallel else out + residual

    def post_forward(self, h, input_hidden, x, ln):
        if self.parallel:
            h = h + input_hidden
        if self.original_ln_after:
            h = ln(h + x)
        return h


def bottleneck_layer_forward(adapters):
    """bottleneck.py bottleneck_layer_forward with the active setup
    Stack(name) (a single adapter name becomes Stack(name),
    composition.parse_composition): pre_block = pre_forward of the adapter,
    compose_single, then post_forward of the last adapter. BertOutput itself
    is the BottleneckLayer (models/bert/mixin_bert.py), so the adapters live
    at encoder.layer.N.output.adapters.NAME."""
    def fwd(h, x, ln):
        (a,) = list(adapters.values())
        hs, res = a.pre_forward(h, x, ln)
        out = a.forward(hs, res)
        return a.post_forward(out, h, x, ln)
    return fwd


class PrefixTuning(nn.Module):
    def __init__(self, n_layers, n_heads, H, c):
        super().__init__()
        assert not c.get("flat") and not c.get("use_gating") and c.get("dropout", 0) == 0
        self.n_layers, self.n_heads, self.H, self.pt = n_layers, n_heads, H, c["prefix_length"]
        self.wte = nn.Embedding(c["prefix_length"], H)
        self.control_trans = nn.Sequential(nn.Linear(H, c["bottleneck_size"]), Activation(c["non_linearity"]),
                                           nn.Linear(c["bottleneck_size"], n_layers * 2 * H))

    def forward(self, batch_size):
        """(n_layers) tuples of (key, value), each (B, NH, pt, hd)."""
        emb = self.wte(torch.arange(self.pt))[None].expand(batch_size, -1, -1)
        kv = self.control_trans(emb).view(batch_size, self.pt, self.n_layers * 2, self.n_heads,
                                          self.H // self.n_heads)
        return kv.permute(2, 0, 3, 1, 4).split(2)


class LoRA(nn.Module):
    def __init__(self, r, alpha, H):
        super().__init__()
        self.lora_A = nn.Parameter(torch.zeros(r, H, dtype=DT))
        self.lora_B = nn.Parameter(torch.zeros(H, r, dtype=DT))
        self.scaling = alpha / r            # lora.py LoRA.__init__

    def forward(self, x):
        return x @ self.lora_A.t() @ self.lora_B.t() * self.scaling


class LoRALinear(nn.Linear):
    def __init__(self, base):
        super().__init__(base.in_features, base.out_features)
        self.load_state_dict(base.state_dict())
        self.loras = nn.ModuleDict()

    def forward(self, x):
        out = super().forward(x)
        for l in self.loras.values():
            out = out + l(x)                # composition_mode "add"
        return out


class AdapterModel(nn.Module):
    """BertAdapterModel: bert (with the adapter modules) + heads."""

    def __init__(self, bert):
        super().__init__()
        self.bert = bert
        self.heads = nn.ModuleDict()
        self.active_head = None

    def forward(self, ids, tt, mask):
        y = self.bert(ids, tt, mask)
        return self.heads[self.active_head](y[:, 0])


def _validate_union(configs):
    """ConfigUnion.validate: two bottleneck configs must differ in both
    mh_adapter and output_adapter (checked without leave_out only there;
    the exporter never writes two bottleneck configs)."""
    for i, a in enumerate(configs):
        for b in configs[:i]:
            if a.get("architecture") != b.get("architecture"):
                continue
            if a.get("leave_out") or b.get("leave_out"):
                continue
            if a.get("architecture") is None:
                assert a["mh_adapter"] != b["mh_adapter"] and a["output_adapter"] != b["output_adapter"], \
                    "Multiple adapter definitions conflict"
                continue
            raise AssertionError("same architecture twice in a union")


def load_adapters(model, adir):
    """BertAdapterModel.from_pretrained(base); model.load_adapter(adir,
    use_safetensors=True, set_active=True) (which also loads the head saved
    beside it); returns the model with the adapter and head active."""
    with open(os.path.join(adir, "adapter_config.json")) as f:
        full = json.load(f)
    name = full["name"]
    c = full["config"]
    configs = c["configs"] if c.get("architecture") == "union" else [c]
    _validate_union(configs)
    bert = model.bert
    cfgd = {"hidden_size": bert.pooler.dense.in_features}
    H = cfgd["hidden_size"]
    layers = bert.encoder.layer
    NH = layers[0].attention.self.nh
    assert full["hidden_size"] == H and full["model_type"] == "bert"
    for conf in configs:
        arch = conf.get("architecture")
        on = [l for l in range(len(layers)) if l not in (conf.get("leave_out") or [])]
        if arch is None:
            for l in on:
                out = layers[l].output
                if not hasattr(out, "adapters"):
                    out.adapters = nn.ModuleDict()
                    out.adapter_hook = bottleneck_layer_forward(out.adapters)
                out.adapters[name] = BnAdapter(H, conf).to(DT)
        elif arch == "prefix_tuning":
            assert conf.get("encoder_prefix", True)
            pool = nn.Module()
            pool.prefix_tunings = nn.ModuleDict({name: nn.ModuleDict(
                {"self_prefix": PrefixTuning(len(on), NH, H, conf).to(DT)})})
            bert.prefix_tuning = pool
            for a, l in enumerate(on):
                def hook(k, v, mask, a=a):
                    pk, pv = bert.prefix_tuning.prefix_tunings[name]["self_prefix"](k.shape[0])[a]
                    ones = torch.ones(mask.shape[0], pk.shape[2], dtype=mask.dtype)
                    return torch.cat([pk, k], 2), torch.cat([pv, v], 2), torch.cat([ones, mask], 1)
                layers[l].attention.self.prefix_hook = hook
        elif arch == "lora":
            assert conf.get("selfattn_lora", True) and not conf.get("intermediate_lora") \
                and not conf.get("output_lora") and conf.get("composition_mode", "add") == "add" \
                and not conf.get("use_gating") and not conf.get("use_dora")
            keys = {"q": "query", "k": "key", "v": "value"}
            for l in on:
                att = layers[l].attention.self
                for m in conf.get("attn_matrices", ["q", "v"]):
                    lin = getattr(att, keys[m])
                    if not isinstance(lin, LoRALinear):
                        lin = LoRALinear(lin).to(DT)
                        setattr(att, keys[m], lin)
                    lin.loras[name] = LoRA(conf["r"], conf["alpha"], H)
        else:
            raise AssertionError("architecture %s" % arch)
    am = AdapterModel(bert)
    # loading.py AdapterLoader.load: the filter keeps ".adapters.NAME.",
    # ".prefix_tunings.NAME.", ".loras.NAME." keys; in_base_model=True loads
    # keys without the "bert." prefix into the base model
    w, meta = st_read(os.path.join(adir, "adapter.safetensors"))
    sd = bert.state_dict()
    mine = [k for k in sd if any(t in k for t in (".adapters.%s." % name, ".prefix_tunings.%s." % name,
                                                  ".loras.%s." % name))
            or k.startswith("prefix_tuning.prefix_tunings.%s." % name)]
    for k, v in w.items():
        assert k in sd, "a saved tensor that matches nothing: " + k
        assert sd[k].shape == v.shape, (k, sd[k].shape, v.shape)
        sd[k].copy_(v.to(DT))
    missing = [k for k in mine if k not in w]
    assert not missing, "adapter parameters the file does not set: %s" % missing
    # the head: HeadLoader, head_config.json + model_head.safetensors
    with open(os.path.join(adir, "head_config.json")) as f:
        hcfg = json.load(f)
    hc = hcfg["config"]
    assert hc["head_type"] == "classification" and hc["layers"] == 2 and not hc["use_pooler"] and hc["bias"]
    mods = [nn.Dropout(0.0), nn.Linear(H, H), Activation(hc["activation_function"]), nn.Dropout(0.0),
            nn.Linear(H, hc["num_labels"])]
    head = nn.Sequential(*mods).to(DT)
    am.heads[hcfg["name"]] = head
    am.active_head = hcfg["name"]
    hw, _ = st_read(os.path.join(adir, "model_head.safetensors"))
    hsd = am.state_dict()
    for k, v in hw.items():
        assert k.startswith("heads.%s." % hcfg["name"]) and k in hsd, "head tensor matches nothing: " + k
        hsd[k].copy_(v.to(DT))
    hmissing = [k for k in hsd if k.startswith("heads.") and k not in hw]
    assert not hmissing, hmissing
    return am
