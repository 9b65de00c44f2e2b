#!/usr/bin/env python3
"""The PyTorch twin of `loom train --task g2p`: the same model (lstm-attention: a bidirectional nn.LSTM
encoder over packed letters, a bridge, an nn.LSTM decoder with input feeding and additive attention;
transformer: embeddings + sinusoidal positions, nn.Transformer batch-first pre-LN, a linear output;
the same modules as `loom export --format pytorch` writes), the same data split and batches (dumped
by scripts/g2p_export.mjs from Loom's G2PTask), the same optimizer (Adam, clip 1, linear warm-up then
cosine to 0, as Loom's CosineWithWarmup), label smoothing, and the same greedy decoding and WER/PER
scoring on the validation words. Needs Debian's python3-torch (run with /usr/bin/python3); the tests
never need it.

  node scripts/g2p_export.mjs /tmp/g2p.json --steps 5000
  /usr/bin/python3 scripts/torch_g2p.py /tmp/g2p.json [--embed 64 --hidden 128 --attention 128]
  /usr/bin/python3 scripts/torch_g2p.py /tmp/g2p.json --model transformer [--d 128 --layers 3 --ff 512 --heads 4]

Run on 2026-12-02 beside the default Loom run: see the README's g2p section.
"""
import argparse, json, math, time
from openblas_core import CORE_TYPE  # noqa: E402  (before torch)
import torch, torch.nn as nn, torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument('data'); p.add_argument('--model', choices=['lstm-attention', 'transformer'], default='lstm-attention')
p.add_argument('--embed', type=int, default=64); p.add_argument('--hidden', type=int, default=128); p.add_argument('--attention', type=int, default=128)
p.add_argument('--d', type=int, default=128); p.add_argument('--layers', type=int, default=3)
p.add_argument('--ff', type=int, default=512); p.add_argument('--heads', type=int, default=4); p.add_argument('--dropout', type=float)
p.add_argument('--lr', type=float); p.add_argument('--warmup', type=int); p.add_argument('--clip', type=float, default=1.0)
p.add_argument('--label-smoothing', type=float, default=0.1); p.add_argument('--max-letters', type=int, default=48)
p.add_argument('--seed', type=int, default=0); p.add_argument('--threads', type=int, default=2)
a = p.parse_args()
LSTM = a.model == 'lstm-attention'
# Loom's defaults of each model (src/tasks/g2p/models.ts)
a.dropout = a.dropout if a.dropout is not None else (0.2 if LSTM else 0.1)
a.lr = a.lr if a.lr is not None else (2e-3 if LSTM else 1e-3)
a.warmup = a.warmup if a.warmup is not None else (0 if LSTM else 400)
torch.manual_seed(a.seed); torch.set_num_threads(a.threads)
data = json.load(open(a.data))
SV, TV = len(data['letters']), len(data['phonemes'])
PAD, BOS, EOS = 0, 1, 2

def sinusoidal(n, d):
    pos = torch.arange(n, dtype=torch.float32).unsqueeze(1)
    div = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))
    pe = torch.zeros(n, d); pe[:, 0::2] = torch.sin(pos * div); pe[:, 1::2] = torch.cos(pos * div)
    return pe

class G2PTransformer(nn.Module):
    def __init__(s):
        super().__init__()
        s.src_emb = nn.Embedding(SV, a.d, padding_idx=0); s.tgt_emb = nn.Embedding(TV, a.d, padding_idx=0)
        s.register_buffer('pe', sinusoidal(64, a.d), persistent=False); s.drop = nn.Dropout(a.dropout)
        s.transformer = nn.Transformer(a.d, a.heads, a.layers, a.layers, a.ff, a.dropout, batch_first=True, norm_first=True)
        s.out = nn.Linear(a.d, TV)
    def embed(s, emb, ids): return s.drop(emb(ids) + s.pe[: ids.shape[1]])
    def encode(s, src, pad): return s.transformer.encoder(s.embed(s.src_emb, src), src_key_padding_mask=pad)
    def decode(s, mem, pad, tgt_in):
        T = tgt_in.shape[1]
        mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
        return s.out(s.transformer.decoder(s.embed(s.tgt_emb, tgt_in), mem, tgt_mask=mask, memory_key_padding_mask=pad))
    def forward(s, src, tgt_in):
        pad = src == PAD
        return s.decode(s.encode(src, pad), pad, tgt_in)

class AdditiveAttention(nn.Module):
    """e_j = score(tanh(query_proj(q) + key_proj(k_j))), a = softmax(e) over real letters, ctx = a @ k (Bahdanau et al. 2015, eq. 6)."""
    def __init__(s, query_dim, key_dim, hidden):
        super().__init__()
        s.query_proj = nn.Linear(query_dim, hidden, bias=False); s.key_proj = nn.Linear(key_dim, hidden); s.score = nn.Linear(hidden, 1, bias=False)
    def forward(s, query, keys, pad, projected):
        e = s.score(torch.tanh(s.query_proj(query)[:, None] + projected)).squeeze(2).masked_fill(pad, float('-inf'))
        return (e.softmax(1)[:, None] @ keys).squeeze(1)

class G2PLSTMAttention(nn.Module):
    def __init__(s):
        super().__init__()
        E, H = a.embed, a.hidden
        s.src_emb = nn.Embedding(SV, E, padding_idx=0); s.encoder = nn.LSTM(E, H, batch_first=True, bidirectional=True)
        s.bridge = nn.Linear(2 * H, 2 * H); s.tgt_emb = nn.Embedding(TV, E, padding_idx=0)
        s.decoder = nn.LSTM(E + 2 * H, 2 * H, batch_first=True); s.attention = AdditiveAttention(2 * H, 2 * H, a.attention)
        s.combine = nn.Linear(4 * H, 2 * H); s.out = nn.Linear(2 * H, TV); s.drop = nn.Dropout(a.dropout)
    def encode(s, src, pad):
        B, S = src.shape
        packed = nn.utils.rnn.pack_padded_sequence(s.drop(s.src_emb(src)), (~pad).sum(1), batch_first=True, enforce_sorted=False)
        out, (hN, _) = s.encoder(packed)
        keys, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=S)  # (B, S, 2H)
        h0 = torch.tanh(s.bridge(hN.transpose(0, 1).reshape(B, 2 * a.hidden)))[None]  # (1, B, 2H)
        return {'keys': keys, 'pad': pad, 'projected': s.attention.key_proj(keys), 'state': (h0, torch.zeros_like(h0)), 'ctx': torch.zeros(B, 2 * a.hidden)}
    def step(s, mem, tok):
        """One decoder step from token ids (B,): the logits (B, V); mem carries the state and the context (input feeding)."""
        y, mem['state'] = s.decoder(torch.cat([s.drop(s.tgt_emb(tok)), mem['ctx']], 1)[:, None], mem['state'])
        mem['ctx'] = s.attention(y[:, 0], mem['keys'], mem['pad'], mem['projected'])
        return s.out(s.drop(torch.tanh(s.combine(torch.cat([y[:, 0], mem['ctx']], 1)))))
    def forward(s, src, tgt_in):
        mem = s.encode(src, src == PAD)
        return torch.stack([s.step(mem, tgt_in[:, t]) for t in range(tgt_in.shape[1])], 1)  # (B, T, V)

model = G2PLSTMAttention() if LSTM else G2PTransformer()
opt = torch.optim.Adam(model.parameters(), lr=a.lr)
steps = len(data['batches'])
def lr_at(t):
    if t < a.warmup: return a.lr * t / a.warmup
    prog = min(1.0, (t - a.warmup) / (steps - a.warmup)) if steps > a.warmup else 1.0
    return a.lr * 0.5 * (1 + math.cos(math.pi * prog))

t0 = time.time()
model.train()
for t, b in enumerate(data['batches']):
    for g in opt.param_groups: g['lr'] = lr_at(t)
    src, tin, tout = (torch.tensor(b[k]) for k in ('src', 'tgtIn', 'tgtOut'))
    logits = model(src, tin)
    loss = F.cross_entropy(logits.reshape(-1, TV), tout.reshape(-1), ignore_index=PAD, label_smoothing=a.label_smoothing)
    opt.zero_grad(); loss.backward()
    if a.clip > 0: nn.utils.clip_grad_norm_(model.parameters(), a.clip)
    opt.step()
    if (t + 1) % 100 == 0 or t + 1 == steps: print(f'step {t + 1}/{steps} loss {loss.item():.4f} {time.time() - t0:.0f}s', flush=True)
train_s = time.time() - t0

def edit(x, y):
    prev = list(range(len(y) + 1))
    for i in range(1, len(x) + 1):
        cur = [i] + [0] * len(y)
        for j in range(1, len(y) + 1): cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] != y[j - 1]))
        prev = cur
    return prev[-1]

model.eval(); wrong = edits = phon = 0; val = data['val']
with torch.no_grad():
    for i in range(0, len(val), 128):
        chunk = val[i:i + 128]; S = max(len(w['word']) for w in chunk)
        src = torch.tensor([w['word'] + [PAD] * (S - len(w['word'])) for w in chunk]); pad = src == PAD
        mem = model.encode(src, pad); ys = torch.full((len(chunk), 1), BOS); done = torch.zeros(len(chunk), dtype=torch.bool)
        for _ in range(a.max_letters + 1):   # the transformer recomputes the prefix each step (no cache): the results are the same
            logits = model.step(mem, ys[:, -1]) if LSTM else model.decode(mem, pad, ys)[:, -1]
            logits[:, :2] = -float('inf')
            nxt = logits.argmax(-1); ys = torch.cat([ys, nxt[:, None]], 1); done |= nxt == EOS
            if done.all(): break
        for w, row in zip(chunk, ys[:, 1:].tolist()):
            pred = row[: row.index(EOS)] if EOS in row else row
            best = min(((edit(pred, r), len(r)) for r in w['refs']), key=lambda x: (x[0], x[1]))
            wrong += best[0] > 0; edits += best[0]; phon += best[1]
print(f'PyTorch {torch.__version__} {a.model} (OpenBLAS core {CORE_TYPE}, {a.threads} threads): {steps} steps in {train_s:.1f}s; validation (greedy) WER {100 * wrong / len(val):.2f}% PER {100 * edits / phon:.2f}% ({len(val)} words)')
