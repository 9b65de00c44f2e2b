#!/usr/bin/env python3
"""Generates PyTorch parity cases for Loom's attention layers (test/parity/attention/x_*.safetensors).

Configurations beyond the shared fixtures: other head counts, sequence-first layout, unbatched input,
padding masks with cross-attention, 2-D and 3-D (B*H, L, S) masks, bool and float (additive) masks,
per-head weights, need_weights=False, no bias, add_bias_kv / add_zero_attn, pre-LN GELU decoder
layers, TransformerEncoder / TransformerDecoder stacks and nn.Transformer, causal LinearAttention,
long sinusoidal tables, and scaled dot-product attention (the functional).

Format as shared/fixtures/parity/README.md (see make_parity_cases.py's write_safetensors). Masks are
BOOL with true = masked out. No case masks every key of a query (PyTorch gives NaN there; Loom gives
zeros, tested separately). Stack specs name their layer's arguments:
{"encoder_layer": {...TransformerEncoderLayer args...}, "num_layers": N, "norm": {"normalized_shape": E} | null}.

torch 1.13 has no F.scaled_dot_product_attention, so the functional cases use its documented math:
softmax(q k^T * scale + mask) v, a bool mask filled with -inf where true.

Needs PyTorch (Debian: apt-get install python3-torch); the tests only read the generated files.
Usage: /usr/bin/python3 scripts/make_attention_cases.py [OUT_DIR]   (default test/parity; writes OUT_DIR/attention/)
"""
import math
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(__file__))
from make_parity_cases import PARITY_ROOT, write_safetensors  # noqa: E402

sys.path.insert(0, "/work/shared/fixtures/parity")
OUT = os.path.join(sys.argv[1] if len(sys.argv) > 1 else PARITY_ROOT, "attention")


def finish(name, spec, params, inputs, g, outputs, model=None):
    """Cotangents, backward of L = sum_o sum(output_o * cotangent_o), and the file."""
    outputs = {k: v for k, v in outputs.items() if v is not None}
    cot = {k: torch.randn(v.shape) for k, v in outputs.items()}
    sum((outputs[k] * cot[k]).sum() for k in outputs).backward()
    tensors = {f"param/{k}": v for k, v in params.items()}
    tensors.update({f"input/{k}": v for k, v in inputs.items()})
    tensors.update({f"output/{k}": v.detach() for k, v in outputs.items()})
    tensors.update({f"cotangent/{k}": v for k, v in cot.items()})
    if model is not None:
        tensors.update({f"grad/param/{k}": p.grad for k, p in model.named_parameters() if p.grad is not None})
    tensors.update({f"grad/input/{k}": v.grad for k, v in g.items() if v.requires_grad and v.grad is not None})
    spec["outputs"] = list(outputs)
    write_safetensors(os.path.join(OUT, f"{name}.safetensors"), tensors, spec)
    print("wrote", name)


def module_case(name, module, m, args, inputs, call, out_names, *, call_kwargs=None, grad=(), rtol=3e-4, atol=3e-5):
    """inputs: name -> tensor in call order; `grad` names the inputs whose gradients are recorded."""
    m.train()
    params = {k: v.detach().clone() for k, v in m.state_dict().items()}
    g = {k: (v.clone().requires_grad_(True) if k in grad else v) for k, v in inputs.items()}
    res = call(m, g)
    res = res if isinstance(res, tuple) else (res,)
    spec = {"kind": "module", "module": module, "args": args, "mode": "train", "inputs": list(inputs),
            "call_kwargs": call_kwargs or {}, "rtol": rtol, "atol": atol}
    finish(name, spec, params, inputs, g, dict(zip(out_names, res)), m)


def pad_mask(B, S, lengths):
    """(B, S) bool, true past each sequence's length."""
    return torch.arange(S)[None, :] >= torch.tensor(lengths)[:, None]


def random_bool_mask(shape, p=0.35):
    """Random true = masked, never a whole row (column 0 always visible)."""
    m = torch.rand(shape) < p
    m[..., 0] = False
    return m


def causal_bool(n):
    return torch.ones(n, n, dtype=torch.bool).triu(1)


# ---- MultiheadAttention ------------------------------------------------------------------------

def mha_case(name, args, *, L, S, B, self_attn=False, unbatched=False, attn_mask=None, kpm=None,
             need_weights=True, average=True, mask_grad=False, seed=0):
    torch.manual_seed(seed)
    full = {"embed_dim": args["embed_dim"], "num_heads": args["num_heads"], "batch_first": False, "kdim": None,
            "vdim": None, "dropout": 0.0, "bias": True, "add_bias_kv": False, "add_zero_attn": False, **args}
    m = nn.MultiheadAttention(**full)
    E, kd, vd = full["embed_dim"], full["kdim"] or full["embed_dim"], full["vdim"] or full["embed_dim"]
    bf = full["batch_first"]

    def seq(n, d):
        return torch.randn(n, d) if unbatched else (torch.randn(B, n, d) if bf else torch.randn(n, B, d))

    inputs = {"query": seq(L, E)}
    inputs["key"] = inputs["query"] if self_attn else seq(S, kd)
    inputs["value"] = inputs["query"] if self_attn else seq(S, vd)
    if attn_mask is not None:
        inputs["attn_mask"] = attn_mask
    if kpm is not None:
        inputs["key_padding_mask"] = kpm
    grad = ["query", "key", "value"] + (["attn_mask"] if mask_grad else [])
    kw = {"need_weights": need_weights, "average_attn_weights": average}

    def call(mod, g):
        q = g["query"]
        k = q if self_attn else g["key"]
        v = q if self_attn else g["value"]
        return mod(q, k, v, key_padding_mask=g.get("key_padding_mask"), attn_mask=g.get("attn_mask"), **kw)

    if self_attn:  # one input tensor used three times: record it once, as query
        inputs = {k: v for k, v in inputs.items() if k not in ("key", "value")}
        grad = ["query"]
        module_case(name, "MultiheadAttention", m, full, inputs, lambda mod, g: call(mod, {**g, "key": g["query"], "value": g["query"]}),
                    ["attn_output", "attn_weights"], call_kwargs=kw, grad=grad, rtol=2e-4, atol=2e-5)
    else:
        module_case(name, "MultiheadAttention", m, full, inputs, call, ["attn_output", "attn_weights"],
                    call_kwargs=kw, grad=grad, rtol=2e-4, atol=2e-5)


# ---- layers and stacks ---------------------------------------------------------------------------

def layer_args(d_model, nhead, **kw):
    a = {"d_model": d_model, "nhead": nhead, "dim_feedforward": 2 * d_model, "dropout": 0.0, "activation": "relu",
         "batch_first": False, "norm_first": False}
    a.update(kw)
    return a


def seq_input(T, B, E, batch_first):
    return torch.randn(B, T, E) if batch_first else torch.randn(T, B, E)


def encoder_layer_case(name, args, *, T, B, src_mask=None, kpm=None, seed=0):
    torch.manual_seed(seed)
    m = nn.TransformerEncoderLayer(**args)
    inputs = {"src": seq_input(T, B, args["d_model"], args["batch_first"])}
    if src_mask is not None:
        inputs["src_mask"] = src_mask
    if kpm is not None:
        inputs["src_key_padding_mask"] = kpm
    module_case(name, "TransformerEncoderLayer", m, args, inputs,
                lambda mod, g: mod(g["src"], src_mask=g.get("src_mask"), src_key_padding_mask=g.get("src_key_padding_mask")),
                ["output"], grad=["src"])


def decoder_inputs(T, S, B, E, bf, masks):
    inputs = {"tgt": seq_input(T, B, E, bf), "memory": seq_input(S, B, E, bf)}
    inputs.update({k: v for k, v in masks.items() if v is not None})
    return inputs


def decoder_call(mod, g):
    return mod(g["tgt"], g["memory"], tgt_mask=g.get("tgt_mask"), memory_mask=g.get("memory_mask"),
               tgt_key_padding_mask=g.get("tgt_key_padding_mask"), memory_key_padding_mask=g.get("memory_key_padding_mask"))


def decoder_layer_case(name, args, *, T, S, B, seed=0, **masks):
    torch.manual_seed(seed)
    m = nn.TransformerDecoderLayer(**args)
    inputs = decoder_inputs(T, S, B, args["d_model"], args["batch_first"], masks)
    module_case(name, "TransformerDecoderLayer", m, args, inputs, decoder_call, ["output"], grad=["tgt", "memory"])


def encoder_stack_case(name, largs, num_layers, *, norm, T, B, mask=None, kpm=None, seed=0):
    torch.manual_seed(seed)
    m = nn.TransformerEncoder(nn.TransformerEncoderLayer(**largs), num_layers,
                              norm=nn.LayerNorm(largs["d_model"]) if norm else None, enable_nested_tensor=False)
    # different parameters per layer, so a Loom stack that reused one layer would fail
    with torch.no_grad():
        for p in m.parameters():
            p.add_(0.05 * torch.randn_like(p))
    args = {"encoder_layer": largs, "num_layers": num_layers, "norm": {"normalized_shape": largs["d_model"]} if norm else None}
    inputs = {"src": seq_input(T, B, largs["d_model"], largs["batch_first"])}
    if mask is not None:
        inputs["mask"] = mask
    if kpm is not None:
        inputs["src_key_padding_mask"] = kpm
    module_case(name, "TransformerEncoder", m, args, inputs,
                lambda mod, g: mod(g["src"], mask=g.get("mask"), src_key_padding_mask=g.get("src_key_padding_mask")),
                ["output"], grad=["src"], rtol=5e-4, atol=5e-5)


def decoder_stack_case(name, largs, num_layers, *, norm, T, S, B, seed=0, **masks):
    torch.manual_seed(seed)
    m = nn.TransformerDecoder(nn.TransformerDecoderLayer(**largs), num_layers, norm=nn.LayerNorm(largs["d_model"]) if norm else None)
    with torch.no_grad():
        for p in m.parameters():
            p.add_(0.05 * torch.randn_like(p))
    args = {"decoder_layer": largs, "num_layers": num_layers, "norm": {"normalized_shape": largs["d_model"]} if norm else None}
    inputs = decoder_inputs(T, S, B, largs["d_model"], largs["batch_first"], masks)
    module_case(name, "TransformerDecoder", m, args, inputs, decoder_call, ["output"], grad=["tgt", "memory"], rtol=5e-4, atol=5e-5)


def transformer_case(name, args, *, S, T, B, seed=0, **masks):
    torch.manual_seed(seed)
    m = nn.Transformer(**args)
    E, bf = args["d_model"], args.get("batch_first", False)
    inputs = {"src": seq_input(S, B, E, bf), "tgt": seq_input(T, B, E, bf)}
    inputs.update({k: v for k, v in masks.items() if v is not None})
    names = ["src_mask", "tgt_mask", "memory_mask", "src_key_padding_mask", "tgt_key_padding_mask", "memory_key_padding_mask"]
    module_case(name, "Transformer", m, args, inputs,
                lambda mod, g: mod(g["src"], g["tgt"], **{k: g.get(k) for k in names}),
                ["output"], grad=["src", "tgt"], rtol=5e-4, atol=5e-5)


# ---- reference modules -------------------------------------------------------------------------------

def ref_case(name, cls_name, args, inputs, out_names, *, buffers=False, rtol=3e-4, atol=3e-5, seed=0):
    import reference_modules as R
    torch.manual_seed(seed)
    m = getattr(R, cls_name)(**args)
    m.train()
    params = {k: v.detach().clone() for k, v in m.state_dict().items()}
    g = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    res = m(*g.values())
    res = res if isinstance(res, tuple) else (res,)
    spec = {"kind": "module", "module": f"ref.{cls_name}", "args": args, "mode": "train", "inputs": list(inputs),
            "call_kwargs": {}, "rtol": rtol, "atol": atol}
    outputs = dict(zip(out_names, res))
    if buffers:  # the non-persistent buffers, checked as buffer_after/
        cot = {k: torch.randn(v.shape) for k, v in outputs.items()}
        sum((outputs[k] * cot[k]).sum() for k in outputs).backward()
        tensors = {f"input/{k}": v for k, v in inputs.items()}
        tensors.update({f"output/{k}": v.detach() for k, v in outputs.items()})
        tensors.update({f"cotangent/{k}": v for k, v in cot.items()})
        tensors.update({f"grad/input/{k}": v.grad for k, v in g.items()})
        tensors.update({f"buffer_after/{k}": b for k, b in m.named_buffers()})
        spec["outputs"] = out_names
        write_safetensors(os.path.join(OUT, f"{name}.safetensors"), tensors, spec)
        print("wrote", name)
    else:
        finish(name, spec, params, inputs, g, outputs, m)


# ---- functional ------------------------------------------------------------------------------------

def sdpa(q, k, v, attn_mask=None, is_causal=False, scale=None):
    s = q @ k.transpose(-2, -1) * (scale if scale is not None else 1 / math.sqrt(q.shape[-1]))
    if is_causal:
        s = s.masked_fill(torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool).triu(1), float("-inf"))
    if attn_mask is not None:
        s = s.masked_fill(attn_mask, float("-inf")) if attn_mask.dtype == torch.bool else s + attn_mask
    return torch.softmax(s, -1) @ v


def sdpa_case(name, q_shape, k_shape, v_shape, *, mask=None, is_causal=False, scale=None, seed=0):
    torch.manual_seed(seed)
    inputs = {"query": torch.randn(q_shape), "key": torch.randn(k_shape), "value": torch.randn(v_shape)}
    if mask is not None:
        inputs["attn_mask"] = mask
    g = {k: (v.clone().requires_grad_(True) if v.dtype == torch.float32 else v) for k, v in inputs.items()}
    out = sdpa(g["query"], g["key"], g["value"], g.get("attn_mask"), is_causal, scale)
    kwargs = {"is_causal": is_causal}
    if scale is not None:
        kwargs["scale"] = scale
    spec = {"kind": "functional", "fn": "scaled_dot_product_attention", "kwargs": kwargs, "inputs": list(inputs),
            "rtol": 2e-4, "atol": 2e-5}
    finish(name, spec, {}, inputs, g, {"output": out})


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)

    # MultiheadAttention
    mha_case("x_mha_cross_seqfirst_h4_padmask", {"embed_dim": 16, "num_heads": 4}, L=5, S=7, B=3,
             kpm=pad_mask(3, 7, [7, 4, 2]), seed=1)
    mha_case("x_mha_kdim_seqfirst_padmask_h2", {"embed_dim": 12, "num_heads": 2, "kdim": 5, "vdim": 7}, L=4, S=6, B=2,
             kpm=pad_mask(2, 6, [3, 6]), attn_mask=random_bool_mask((4, 6)), seed=2)
    mha_case("x_mha_3d_float_mask", {"embed_dim": 8, "num_heads": 2, "batch_first": True}, L=4, S=5, B=3,
             attn_mask=0.5 * torch.randn(3 * 2, 4, 5), mask_grad=True, seed=3)
    mha_case("x_mha_3d_bool_mask_h8_perhead", {"embed_dim": 16, "num_heads": 8, "batch_first": True}, L=6, S=6, B=2,
             self_attn=True, attn_mask=random_bool_mask((2 * 8, 6, 6)), average=False, seed=4)
    mha_case("x_mha_unbatched_causal", {"embed_dim": 6, "num_heads": 3}, L=5, S=5, B=1, unbatched=True,
             attn_mask=causal_bool(5), kpm=torch.tensor([False] * 4 + [True]), seed=5)
    mha_case("x_mha_nobias_h1_noweights", {"embed_dim": 8, "num_heads": 1, "bias": False, "batch_first": True}, L=3, S=4, B=2,
             need_weights=False, seed=6)
    mha_case("x_mha_bias_kv_zero_attn", {"embed_dim": 8, "num_heads": 2, "add_bias_kv": True, "add_zero_attn": True}, L=4, S=5, B=2,
             kpm=pad_mask(2, 5, [5, 3]), attn_mask=random_bool_mask((4, 5)), seed=7)

    # encoder and decoder layers
    encoder_layer_case("x_encoder_layer_seqfirst_h4_padmask", layer_args(16, 4), T=6, B=3, kpm=pad_mask(3, 6, [6, 3, 5]), seed=8)
    encoder_layer_case("x_encoder_layer_preln_float_mask", layer_args(8, 2, norm_first=True, batch_first=True, layer_norm_eps=1e-6),
                       T=5, B=2, src_mask=nn.Transformer.generate_square_subsequent_mask(5), seed=9)
    decoder_layer_case("x_decoder_layer_preln_gelu_padmasks", layer_args(12, 3, activation="gelu", norm_first=True, batch_first=True),
                       T=5, S=7, B=2, tgt_mask=causal_bool(5), tgt_key_padding_mask=pad_mask(2, 5, [5, 4]),
                       memory_key_padding_mask=pad_mask(2, 7, [4, 7]), seed=10)
    decoder_layer_case("x_decoder_layer_seqfirst_memory_mask", layer_args(8, 4), T=4, S=6, B=3,
                       tgt_mask=nn.Transformer.generate_square_subsequent_mask(4), memory_mask=random_bool_mask((4, 6)), seed=11)

    # stacks
    encoder_stack_case("x_encoder_stack_3layers_norm", layer_args(8, 2, batch_first=True), 3, norm=True, T=5, B=2,
                       mask=causal_bool(5), kpm=pad_mask(2, 5, [5, 3]), seed=12)
    decoder_stack_case("x_decoder_stack_2layers_preln_gelu", layer_args(8, 4, norm_first=True, activation="gelu"), 2, norm=True,
                       T=4, S=5, B=2, tgt_mask=causal_bool(4), memory_key_padding_mask=pad_mask(2, 5, [2, 5]), seed=13)
    transformer_case("x_transformer_small", {"d_model": 8, "nhead": 2, "num_encoder_layers": 2, "num_decoder_layers": 1,
                                                  "dim_feedforward": 16, "dropout": 0.0, "batch_first": True},
                     S=6, T=4, B=2, tgt_mask=nn.Transformer.generate_square_subsequent_mask(4),
                     src_key_padding_mask=pad_mask(2, 6, [6, 4]), memory_key_padding_mask=pad_mask(2, 6, [6, 4]), seed=14)

    # reference modules
    ref_case("x_ref_linear_attention_causal", "LinearAttention", {"d_model": 12, "n_heads": 3, "causal": True},
             {"input": torch.randn(2, 9, 12)}, ["output"], seed=15)
    ref_case("x_ref_linear_attention_causal_long_h1", "LinearAttention", {"d_model": 8, "n_heads": 1, "causal": True},
             {"input": torch.randn(1, 40, 8)}, ["output"], seed=16, atol=5e-5)
    ref_case("x_ref_linear_attention_h4", "LinearAttention", {"d_model": 16, "n_heads": 4, "causal": False},
             {"input": torch.randn(3, 11, 16)}, ["output"], seed=17)
    ref_case("x_ref_sinusoidal_pe_long", "SinusoidalPositionalEncoding", {"d_model": 32, "max_len": 600},
             {"input": torch.randn(1, 20, 32)}, ["output"], buffers=True, rtol=1e-4, atol=1e-5, seed=18)
    ref_case("x_ref_bahdanau_wide", "AdditiveAttention", {"query_dim": 3, "key_dim": 9, "hidden_dim": 16},
             {"query": torch.randn(2, 3), "keys": torch.randn(2, 11, 9)}, ["context", "weights"], rtol=1e-4, atol=1e-5, seed=19)

    # scaled dot-product attention (functional)
    sdpa_case("x_sdpa_4d_float_mask", (2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 5), mask=0.5 * torch.randn(4, 6), seed=20)
    sdpa_case("x_sdpa_bool_mask_broadcast", (2, 5, 4), (2, 7, 4), (2, 7, 3), mask=random_bool_mask((2, 1, 7)), seed=21)
    sdpa_case("x_sdpa_causal_scale", (3, 6, 4), (3, 6, 4), (3, 6, 4), is_causal=True, scale=0.3, seed=22)


if __name__ == "__main__":
    main()
