#!/usr/bin/env python3
"""The PyTorch side of the main job's acceptance runs: the same character LMs, data split, batching,
optimizer and steps as `loom train`, so Loom's validation loss can be compared like for like.

  GPT:  4 layers, 4 heads, d_model 128, block 128, batch 16, AdamW 1e-3 (weight decay 0.01), clip 1.0, 600 steps
  LSTM: embedding 64, 2 x 256, batch 32, sequence 64, Adam 2e-3, clip 1.0, 400 steps

Data: the text from TEXT_FILE (dump Loom's with `node -e` as in docs/PERFORMANCE.md), vocabulary = sorted
characters of the whole text, train = first 90%, validation = last 10%; GPT trains on random windows, the
LSTM on random windows too (PyTorch's usual loop; Loom's uses truncated BPTT streams). Validation: every
character of the validation split, GPT in non-overlapping windows of 128, the LSTM in 32 lanes carrying
state, as Loom's evaluateLoss. Needs Debian's python3-torch (run with /usr/bin/python3).

Usage: /usr/bin/python3 scripts/torch_charlm.py TEXT_FILE gpt|lstm [--init torch|gpt2] [--tied] [--seed S]
"""
import argparse, math, time
from openblas_core import CORE_TYPE  # noqa: E402  (before torch)
import torch, torch.nn as nn, torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument('text'); p.add_argument('model', choices=['gpt', 'lstm'])
p.add_argument('--init', choices=['torch', 'gpt2'], default='torch')
p.add_argument('--tied', action='store_true'); p.add_argument('--seed', type=int, default=0)
a = p.parse_args()
torch.manual_seed(a.seed); torch.set_num_threads(2)
text = open(a.text, encoding='utf-8').read()
chars = sorted(set(text)); V = len(chars); stoi = {c: i for i, c in enumerate(chars)}
ids = torch.tensor([stoi[c] for c in text], dtype=torch.long)
n = int(len(ids) * 0.9); train, val = ids[:n], ids[n:]


class Block(nn.Module):
    def __init__(s, D, NH):
        super().__init__(); s.ln1 = nn.LayerNorm(D); s.attn = nn.MultiheadAttention(D, NH, batch_first=True); s.ln2 = nn.LayerNorm(D)
        s.mlp = nn.Sequential(nn.Linear(D, 4 * D), nn.GELU(), nn.Linear(4 * D, D))

    def forward(s, x, mask):
        h = s.ln1(x); x = x + s.attn(h, h, h, attn_mask=mask, need_weights=False)[0]; return x + s.mlp(s.ln2(x))


class GPT(nn.Module):
    def __init__(s, D=128, NH=4, L=4, T=128):
        super().__init__(); s.tok = nn.Embedding(V, D); s.pos = nn.Embedding(T, D); s.blocks = nn.ModuleList([Block(D, NH) for _ in range(L)])
        s.ln = nn.LayerNorm(D); s.head = nn.Linear(D, V, bias=not a.tied)
        if a.tied: s.head.weight = s.tok.weight
        if a.init == 'gpt2':
            for name, prm in s.named_parameters():
                if prm.dim() >= 2: nn.init.normal_(prm, 0, 0.02 / (math.sqrt(2 * L) if name.endswith(('out_proj.weight', 'mlp.2.weight')) else 1))
                elif 'ln' not in name: nn.init.zeros_(prm)

    def forward(s, x):
        T = x.shape[1]; mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
        h = s.tok(x) + s.pos(torch.arange(T))
        for b in s.blocks: h = b(h, mask)
        return s.head(s.ln(h)), None


class LSTMLM(nn.Module):
    def __init__(s):
        super().__init__(); s.emb = nn.Embedding(V, 64); s.rnn = nn.LSTM(64, 256, 2, batch_first=True); s.head = nn.Linear(256, V)

    def forward(s, x, state=None):
        o, state = s.rnn(s.emb(x), state); return s.head(o), state


if a.model == 'gpt':
    m, B, T, steps, opt = GPT(), 16, 128, 600, None
    opt = torch.optim.AdamW(m.parameters(), 1e-3)
else:
    m, B, T, steps = LSTMLM(), 32, 64, 400
    opt = torch.optim.Adam(m.parameters(), 2e-3)


def evaluate():
    m.eval(); total, count = 0.0, 0
    with torch.no_grad():
        if a.model == 'gpt':
            for i in range(0, len(val) - 1, T * B):
                xs = [val[j:j + T + 1] for j in range(i, min(i + T * B, len(val) - 1), T)]
                for w in xs:
                    logits, _ = m(w[:-1][None]); total += F.cross_entropy(logits[0], w[1:], reduction='sum').item(); count += len(w) - 1
        else:
            P = len(val) - 1; Lp = P // 32; lanes = val[:32 * Lp + 1]
            x = torch.stack([val[k * Lp:(k + 1) * Lp] for k in range(32)]); y = torch.stack([val[k * Lp + 1:(k + 1) * Lp + 1] for k in range(32)])
            state = None
            for t in range(0, Lp, T):
                logits, state = m(x[:, t:t + T], state); total += F.cross_entropy(logits.reshape(-1, V), y[:, t:t + T].reshape(-1), reduction='sum').item(); count += y[:, t:t + T].numel()
    m.train(); return total / count


t0 = time.time()
for step in range(1, steps + 1):
    ix = torch.randint(len(train) - T - 1, (B,))
    x = torch.stack([train[i:i + T] for i in ix]); y = torch.stack([train[i + 1:i + T + 1] for i in ix])
    logits, _ = m(x)
    loss = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
    opt.zero_grad(); loss.backward(); nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step()
    if step % 100 == 0: print(f'step {step} loss {loss.item():.3f} ({time.time() - t0:.0f} s)', flush=True)
print(f'{a.model} init={a.init} tied={a.tied} seed={a.seed}: validation loss {evaluate():.4f} nats/char after {steps} steps (OpenBLAS core {CORE_TYPE})')
