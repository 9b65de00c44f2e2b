#!/usr/bin/env python3
"""Generates PyTorch parity cases for Loom's foundation (Linear, Embedding, LayerNorm, functional ops,
optimizers) in configurations the shared fixtures do not have. Same format as shared/fixtures/parity.
Each case goes to its area's folder: test/parity/layers/, functional/ and optim/.

Needs PyTorch (Debian: apt-get install python3-torch; run with /usr/bin/python3); tests only read the files.
Usage: /usr/bin/python3 scripts/make_foundation_cases.py [OUT_DIR]   (default test/parity; writes OUT_DIR/{layers,functional,optim}/)
"""
import json
import os
import sys

import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from make_parity_cases import area_dir, one_output_case, write_safetensors  # noqa: E402


def module_case(layers, name, cls, args, inputs, **kw):
    one_output_case(os.path.join(out, f"{name}.safetensors"), cls, args, inputs, **kw)


def functional_case(functional, name, fn, kwargs, inputs, rtol=1e-5, atol=1e-6, grad_inputs=None):
    ins = {k: (v.clone().requires_grad_(True) if v.is_floating_point() and (grad_inputs is None or k in grad_inputs) else v)
           for k, v in inputs.items()}
    y = getattr(F, fn)(*ins.values(), **kwargs)
    cot = torch.randn_like(y)
    (y * cot).sum().backward()
    t = {f"input/{k}": v.detach() for k, v in ins.items()}
    t["output/output"] = y.detach()
    t["cotangent/output"] = cot
    t.update({f"grad/input/{k}": v.grad for k, v in ins.items() if v.requires_grad})
    spec = dict(kind="functional", fn=fn, kwargs=kwargs, inputs=list(inputs), outputs=["output"], rtol=rtol, atol=atol)
    write_safetensors(os.path.join(out, f"{name}.safetensors"), t, spec)


def optim_case(optim, name, cls, kwargs, steps=5, rtol=1e-5, atol=1e-6):
    torch.manual_seed(1)
    w = torch.randn(4, 3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    t = {"param/w": w.detach().clone(), "param/b": b.detach().clone()}
    opt = cls([w, b], **kwargs)
    for s in range(steps):
        w.grad = torch.randn(4, 3)
        b.grad = torch.randn(3)
        t[f"step{s}/grad/w"] = w.grad.clone()
        t[f"step{s}/grad/b"] = b.grad.clone()
        opt.step()
        t[f"step{s}/param/w"] = w.detach().clone()
        t[f"step{s}/param/b"] = b.detach().clone()
    spec = dict(kind="optim", optim=cls.__name__, kwargs=kwargs, params=["w", "b"], steps=steps, rtol=rtol, atol=atol)
    write_safetensors(os.path.join(out, f"{name}.safetensors"), t, spec)


def main(root):
    layers, functional, optim = (area_dir(a, root) for a in ("layers", "functional", "optim"))
    torch.manual_seed(0)
    module_case(layers, "x_linear_3d", nn.Linear, dict(in_features=9, out_features=3, bias=True), {"input": torch.randn(2, 4, 9)})
    module_case(layers, "x_linear_4d_nobias", nn.Linear, dict(in_features=5, out_features=7, bias=False), {"input": torch.randn(2, 3, 2, 5)})
    module_case(layers, "x_embedding_nopad", nn.Embedding, dict(num_embeddings=20, embedding_dim=4),
                {"input": torch.randint(0, 20, (4, 3, 2))})
    module_case(layers, "x_embedding_negpad", nn.Embedding, dict(num_embeddings=9, embedding_dim=5, padding_idx=-1),
                {"input": torch.tensor([[8, 1, 8], [0, 3, 8]])})
    module_case(layers, "x_layernorm_2d", nn.LayerNorm, dict(normalized_shape=[3, 4], eps=1e-3), {"input": torch.randn(2, 5, 3, 4)})
    module_case(layers, "x_layernorm_noaffine", nn.LayerNorm, dict(normalized_shape=[6], elementwise_affine=False),
                {"input": 3 + 2 * torch.randn(4, 6)})
    functional_case(functional, "x_softmax_dim1", "softmax", dict(dim=1), {"input": torch.randn(2, 5, 3)})
    functional_case(functional, "x_log_softmax_dim0", "log_softmax", dict(dim=0), {"input": torch.randn(4, 3)})
    functional_case(functional, "x_gelu_2d", "gelu", dict(approximate="tanh"), {"input": 3 * torch.randn(7, 9)})
    target = torch.randint(0, 6, (10,))
    target[[2, 7]] = 3
    functional_case(functional, "x_ce_smooth_ignore", "cross_entropy", dict(reduction="mean", ignore_index=3, label_smoothing=0.2),
                    {"input": torch.randn(10, 6), "target": target})
    functional_case(functional, "x_ce_4d_none", "cross_entropy", dict(reduction="none"),
                    {"input": torch.randn(2, 4, 3, 5), "target": torch.randint(0, 4, (2, 3, 5))})
    functional_case(functional, "x_nll_sum", "nll_loss", dict(reduction="sum"),
                    {"input": torch.randn(6, 5).log_softmax(-1), "target": torch.randint(0, 5, (6,))})
    functional_case(functional, "x_mse_sum", "mse_loss", dict(reduction="sum"), {"input": torch.randn(3, 4), "target": torch.randn(3, 4)})
    functional_case(functional, "x_bce_none", "binary_cross_entropy_with_logits", dict(reduction="none"),
                    {"input": 4 * torch.randn(3, 5), "target": torch.rand(3, 5)})
    functional_case(functional, "x_sigmoid_big", "sigmoid", {}, {"input": 10 * torch.randn(50)})
    optim_case(optim, "x_sgd_nesterov", torch.optim.SGD, dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.001))
    optim_case(optim, "x_sgd_plain", torch.optim.SGD, dict(lr=0.2))
    optim_case(optim, "x_adam_amsgrad_wd", torch.optim.Adam, dict(lr=0.003, betas=[0.8, 0.99], eps=1e-6, weight_decay=0.05, amsgrad=True))
    optim_case(optim, "x_adamw_default", torch.optim.AdamW, dict(lr=0.001))
    optim_case(optim, "x_rmsprop_centered_momentum", torch.optim.RMSprop, dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
