/**
 * The Python that every exported model.py shares: its imports, and the safetensors reader and writer
 * written with the standard library (Debian's PyTorch 1.13 comes without the `safetensors` package),
 * and (for the tasks other than char-lm) `load(OUT)` and `save(net, OUT)`.
 */

/** The imports of a model.py. */
export const PY_IMPORTS = String.raw`import json
import math
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F`;

/** read_safetensors(path) and write_safetensors(tensors, path, metadata). */
export const SAFETENSORS_PY = String.raw`# ---- safetensors, read and written with the standard library --------------------------------------

DTYPES = {
    'F64': torch.float64, 'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16,
    'I64': torch.int64, 'I32': torch.int32, 'I16': torch.int16, 'I8': torch.int8, 'U8': torch.uint8, 'BOOL': torch.bool,
}


def read_safetensors(path):
    """The tensors of a safetensors file by name (on a little-endian host, as every PyTorch platform is)."""
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n].decode('utf-8'))
    header.pop('__metadata__', None)
    out = {}
    for key, e in header.items():
        begin, end = e['data_offsets']
        dtype = DTYPES[e['dtype']]
        if end > begin:
            t = torch.frombuffer(bytearray(data[8 + n + begin:8 + n + end]), dtype=dtype)
        else:
            t = torch.empty(0, dtype=dtype)
        out[key] = t.reshape(e['shape'])
    return out


def write_safetensors(tensors, path, metadata=None):
    """Writes named tensors as a safetensors file (float32 as F32, int64 as I64, ...)."""
    names = {v: k for k, v in DTYPES.items()}
    items = sorted((k, t.detach().cpu().contiguous()) for k, t in tensors.items())
    header, blobs, offset = {}, [], 0
    if metadata:
        header['__metadata__'] = {str(k): str(v) for k, v in metadata.items()}
    for k, t in items:
        blob = t.view(torch.int16).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
        header[k] = {'dtype': names[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
`;

/**
 * load(OUT) -> (module, meta) and save(net, OUT), given the model.py's build(name, meta): the module
 * of config.json's model and config.
 */
export const LOAD_SAVE_PY = String.raw`# ---- loading and saving ----------------------------------------------------------------------------


def read_config(out_dir):
    """config.json of an export: task, model, config and the task's own keys."""
    with open(os.path.join(out_dir, 'config.json'), encoding='utf-8') as f:
        return json.load(f)


def load(out_dir):
    """(module, meta): the exported model with its weights, in eval mode, and config.json's contents."""
    meta = read_config(out_dir)
    net = build(meta['model'], meta)
    state = read_safetensors(os.path.join(out_dir, 'model.safetensors'))
    net.load_state_dict(state)
    return net.eval(), meta


def loom_state_dict(net):
    """The module's state dict under Loom's keys (float32, on the CPU)."""
    net = getattr(net, 'module', net)  # a DistributedDataParallel wrapper's module
    return {k: t.detach().float().cpu() for k, t in net.state_dict().items()}


def save(net, out_dir):
    """Writes OUT/model.safetensors under Loom's keys."""
    os.makedirs(out_dir, exist_ok=True)
    write_safetensors(loom_state_dict(net), os.path.join(out_dir, 'model.safetensors'), {'format': 'pt'})
`;
