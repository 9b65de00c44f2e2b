#!/usr/bin/env python3
"""Generates PyTorch parity cases for Loom's recurrent layers (test/parity/recurrent/*.safetensors).

Configurations beyond the shared fixtures: more layers, no bias, other sizes, long sequences,
batch-first or not, unbatched input, absent initial states, eval-mode dropout, cells without bias or
with relu, and variable-length (packed) batches.

Each file has the format of shared/fixtures/parity (see its README.md): 8-byte little-endian header
length, a compact JSON header (tensors sorted by name, then __metadata__.spec), raw little-endian data.
A case with a `lengths` input (I64, shape (B,)) is computed the packed way:
pack_padded_sequence(enforce_sorted=False) -> module -> pad_packed_sequence(total_length=T), so outputs
past each sequence's end are zero and h_n is each sequence's state at its own last step.

Needs PyTorch (Debian: apt-get install python3-torch); the tests only read the generated files.
Usage: python3 scripts/make_parity_cases.py [OUT_DIR]   (default test/parity; writes OUT_DIR/recurrent/)
Also the helpers of the other make_*_cases.py: write_safetensors, one_output_case, area_dir.
"""
import json
import os
import struct
import sys

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

DTYPES = {torch.float32: "F32", torch.int64: "I64", torch.bool: "BOOL"}
PARITY_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "parity")


def area_dir(area, root=None):
    """The folder of one area (recurrent, attention, ...; see test/parity/README.md) under `root`
    (default test/parity), created if missing."""
    path = os.path.join(root or PARITY_ROOT, area)
    os.makedirs(path, exist_ok=True)
    return path


def write_safetensors(path, tensors, spec):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        data = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"spec": json.dumps(spec)}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def one_output_case(path, cls, args, inputs, *, module=None, mode="train", rtol=1e-4, atol=1e-5, seed=0,
                    buffers=None, perturb=True):
    """A module with one output: L = sum(output * cotangent); gradients of the parameters and of the
    float inputs, buffers after the call. `buffers` sets buffer values before the call; `perturb` moves
    the parameters away from their default init so every one of them matters."""
    torch.manual_seed(seed)
    m = cls(**args)
    m.train(mode == "train")
    with torch.no_grad():
        if perturb:
            for p in m.parameters():
                p.add_(0.1 * torch.randn_like(p))
        for k, v in (buffers or {}).items():
            m.get_buffer(k).copy_(v)
    params = {k: v.detach().clone() for k, v in m.state_dict().items()}
    ins = {k: (v.clone().requires_grad_(True) if v.is_floating_point() else v) for k, v in inputs.items()}
    y = m(*ins.values())
    cot = torch.randn_like(y)
    (y * cot).sum().backward()
    t = {f"param/{k}": v for k, v in params.items()}
    t.update({f"input/{k}": v.detach() for k, v in ins.items()})
    t["output/output"] = y.detach()
    t["cotangent/output"] = cot
    t.update({f"grad/param/{k}": p.grad for k, p in m.named_parameters() if p.grad is not None})
    t.update({f"grad/input/{k}": v.grad for k, v in ins.items() if v.is_floating_point()})
    t.update({f"buffer_after/{k}": b.detach().clone() for k, b in m.named_buffers()})
    spec = dict(kind="module", module=module or cls.__name__, args=args, mode=mode, inputs=list(inputs), call_kwargs={},
                outputs=["output"], rtol=rtol, atol=atol)
    write_safetensors(path, t, spec)


def module_case(out_dir, name, cls, args, *, T, B, lengths=None, with_state=True,
                unbatched=False, mode="train", rtol=2e-4, atol=2e-5, seed=0):
    """A recurrent module case: random input and state, L = sum_o sum(output_o * cotangent_o)."""
    torch.manual_seed(seed)
    m = cls(**args)
    m.train(mode == "train")
    batch_first = args.get("batch_first", False)
    lstm = cls is nn.LSTM
    D = 2 if args.get("bidirectional") else 1
    L = args.get("num_layers", 1)
    H = args["hidden_size"]
    I = args["input_size"]
    params = {k: v.detach().clone() for k, v in m.state_dict().items()}
    if unbatched:
        x = torch.randn(T, I)
        state_shape = (L * D, H)
    else:
        x = torch.randn(B, T, I) if batch_first else torch.randn(T, B, I)
        state_shape = (L * D, B, H)
    inputs = {"input": x}
    if with_state:
        inputs["h0"] = 0.5 * torch.randn(state_shape)
        if lstm:
            inputs["c0"] = 0.5 * torch.randn(state_shape)
    grads_for = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    xin = grads_for["input"]
    hx = None
    if with_state:
        hx = (grads_for["h0"], grads_for["c0"]) if lstm else grads_for["h0"]
    if lengths is not None:
        lens = torch.tensor(lengths, dtype=torch.int64)
        packed = pack_padded_sequence(xin, lens, batch_first=batch_first, enforce_sorted=False)
        out_packed, hn = m(packed, hx)
        out, _ = pad_packed_sequence(out_packed, batch_first=batch_first, total_length=T)
        inputs["lengths"] = lens
    else:
        out, hn = m(xin, hx)
    outputs = {"output": out}
    if lstm:
        outputs["h_n"], outputs["c_n"] = hn
    else:
        outputs["h_n"] = hn
    cot = {k: torch.randn(v.shape) for k, v in outputs.items()}
    loss = sum((outputs[k] * cot[k]).sum() for k in outputs)
    loss.backward()

    tensors = {}
    for k, v in params.items():
        tensors[f"param/{k}"] = v
    for k, v in inputs.items():
        tensors[f"input/{k}"] = v
    for k, v in outputs.items():
        tensors[f"output/{k}"] = v
        tensors[f"cotangent/{k}"] = cot[k]
    for k, p in m.named_parameters():
        tensors[f"grad/param/{k}"] = p.grad
    for k, v in grads_for.items():
        tensors[f"grad/input/{k}"] = v.grad
    spec = {
        "kind": "module", "module": cls.__name__, "args": args, "mode": mode,
        "inputs": list(inputs), "call_kwargs": {}, "outputs": list(outputs), "rtol": rtol, "atol": atol,
    }
    write_safetensors(os.path.join(out_dir, f"{name}.safetensors"), tensors, spec)
    print("wrote", name)


def cell_case(out_dir, name, cls, args, *, B, seed=0, rtol=1e-4, atol=1e-5):
    torch.manual_seed(seed)
    m = cls(**args)
    params = {k: v.detach().clone() for k, v in m.state_dict().items()}
    lstm = cls is nn.LSTMCell
    inputs = {"input": torch.randn(B, args["input_size"]), "h0": 0.5 * torch.randn(B, args["hidden_size"])}
    if lstm:
        inputs["c0"] = 0.5 * torch.randn(B, args["hidden_size"])
    g = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    res = m(g["input"], (g["h0"], g["c0"]) if lstm else g["h0"])
    outputs = {"h_1": res[0], "c_1": res[1]} if lstm else {"h_1": res}
    cot = {k: torch.randn(v.shape) for k, v in outputs.items()}
    sum((outputs[k] * cot[k]).sum() for k in outputs).backward()
    tensors = {f"param/{k}": v for k, v in params.items()}
    tensors.update({f"input/{k}": v for k, v in inputs.items()})
    tensors.update({f"output/{k}": v for k, v in outputs.items()})
    tensors.update({f"cotangent/{k}": v for k, v in cot.items()})
    tensors.update({f"grad/param/{k}": p.grad for k, p in m.named_parameters()})
    tensors.update({f"grad/input/{k}": v.grad for k, v in g.items()})
    spec = {
        "kind": "module", "module": cls.__name__, "args": args, "mode": "train",
        "inputs": list(inputs), "call_kwargs": {}, "outputs": list(outputs), "rtol": rtol, "atol": atol,
    }
    write_safetensors(os.path.join(out_dir, f"{name}.safetensors"), tensors, spec)
    print("wrote", name)


def main():
    out_dir = area_dir("recurrent", sys.argv[1] if len(sys.argv) > 1 else None)
    torch.set_num_threads(1)

    # unseen configurations
    module_case(out_dir, "x_lstm_3layer_nobias", nn.LSTM,
                {"input_size": 4, "hidden_size": 5, "num_layers": 3, "bias": False, "batch_first": False}, T=7, B=3, seed=1)
    module_case(out_dir, "x_gru_h16_seq40", nn.GRU,
                {"input_size": 6, "hidden_size": 16, "num_layers": 1, "batch_first": True}, T=40, B=2, seed=2, atol=5e-5)
    module_case(out_dir, "x_rnn_relu_bi_h8", nn.RNN,
                {"input_size": 3, "hidden_size": 8, "num_layers": 1, "nonlinearity": "relu", "bidirectional": True,
                 "batch_first": True}, T=6, B=4, seed=3)
    module_case(out_dir, "x_rnn_tanh_3layer_bi_nobias", nn.RNN,
                {"input_size": 5, "hidden_size": 4, "num_layers": 3, "nonlinearity": "tanh", "bidirectional": True,
                 "bias": False}, T=5, B=2, seed=4)
    module_case(out_dir, "x_lstm_seq30_batchfirst", nn.LSTM,
                {"input_size": 3, "hidden_size": 8, "num_layers": 1, "batch_first": True}, T=30, B=2, seed=5, atol=5e-5)
    module_case(out_dir, "x_gru_nostate_2layer", nn.GRU,
                {"input_size": 4, "hidden_size": 6, "num_layers": 2}, T=5, B=3, with_state=False, seed=6)
    module_case(out_dir, "x_lstm_unbatched_bi", nn.LSTM,
                {"input_size": 4, "hidden_size": 5, "num_layers": 2, "bidirectional": True}, T=6, B=1, unbatched=True, seed=7)
    module_case(out_dir, "x_lstm_dropout_eval", nn.LSTM,
                {"input_size": 4, "hidden_size": 5, "num_layers": 2, "dropout": 0.5}, T=5, B=2, mode="eval", seed=8)
    cell_case(out_dir, "x_lstmcell_nobias", nn.LSTMCell, {"input_size": 6, "hidden_size": 3, "bias": False}, B=4, seed=9)
    cell_case(out_dir, "x_rnncell_relu", nn.RNNCell, {"input_size": 3, "hidden_size": 7, "nonlinearity": "relu"}, B=2, seed=10)
    cell_case(out_dir, "x_grucell_nobias", nn.GRUCell, {"input_size": 5, "hidden_size": 4, "bias": False}, B=3, seed=11)

    # variable-length (packed) batches, lengths unsorted
    module_case(out_dir, "packed_lstm_2layer_bi", nn.LSTM,
                {"input_size": 4, "hidden_size": 6, "num_layers": 2, "bidirectional": True, "batch_first": True},
                T=7, B=4, lengths=[5, 2, 7, 3], seed=12)
    module_case(out_dir, "packed_lstm_1layer", nn.LSTM,
                {"input_size": 3, "hidden_size": 5, "num_layers": 1}, T=6, B=3, lengths=[2, 6, 4], seed=13)
    module_case(out_dir, "packed_gru_bi", nn.GRU,
                {"input_size": 3, "hidden_size": 5, "num_layers": 1, "bidirectional": True}, T=6, B=4,
                lengths=[3, 6, 1, 4], seed=14)
    module_case(out_dir, "packed_gru_2layer_shorter", nn.GRU,
                {"input_size": 4, "hidden_size": 4, "num_layers": 2, "batch_first": True}, T=8, B=3,
                lengths=[5, 3, 6], seed=15)  # every sequence shorter than the padded length T
    module_case(out_dir, "packed_rnn_tanh_2layer_bi", nn.RNN,
                {"input_size": 4, "hidden_size": 5, "num_layers": 2, "bidirectional": True}, T=5, B=3,
                lengths=[4, 5, 2], seed=16)
    module_case(out_dir, "packed_rnn_relu_bi_nostate", nn.RNN,
                {"input_size": 3, "hidden_size": 4, "num_layers": 1, "nonlinearity": "relu", "bidirectional": True,
                 "batch_first": True}, T=6, B=3, lengths=[1, 6, 3], with_state=False, seed=17)


if __name__ == "__main__":
    main()
