/**
 * The model.py of a G2P model's PyTorch export: Loom's transformer (nn.Transformer, batch-first) and
 * lstm-attention (a bidirectional nn.LSTM over packed sequences, an nn.LSTM decoder with additive
 * attention) under Loom's state-dict keys, with `greedy(net, words)`, the decoding of `loom predict`.
 * Kept as a string (browser-safe, no file at run time).
 */
import { LOAD_SAVE_PY, PY_IMPORTS, SAFETENSORS_PY } from './python-common.js';

export const G2P_PY = String.raw`"""A Loom grapheme-to-phoneme model as a PyTorch module, exported by 'loom export --format pytorch'.

    import sys; sys.path.insert(0, 'OUT')
    import model
    net, meta = model.load('OUT')              # OUT/config.json and OUT/model.safetensors
    logits = net(src, tgt)                     # src (B, S) letter ids (0 = padding), tgt (B, T) from <s> -> (B, T, V)
    model.greedy(net, meta, ['LOOM'])          # [['L', 'UW', 'M']]: loom predict's greedy decoding

meta['letters'] and meta['phonemes'] are the symbols in id order (<pad> 0, <s> 1, </s> 2 first).
Needs nothing but torch (1.13 or later) and Python's standard library.
"""
${PY_IMPORTS}

${SAFETENSORS_PY}
# ---- the models ------------------------------------------------------------------------------------


def sinusoidal_table(max_len, d):
    pos = torch.arange(max_len, dtype=torch.float32)[:, None]
    div = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))
    pe = torch.zeros(max_len, d)
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)
    return pe


class Seq2SeqTransformer(nn.Module):
    """Loom's transformer: nn.Transformer over letter and phoneme embeddings plus sinusoidal positions."""

    def __init__(self, srcVocabSize, tgtVocabSize, dModel, nhead, layers, dimFeedforward, dropout, normFirst, maxLen):
        super().__init__()
        self.src_emb = nn.Embedding(srcVocabSize, dModel, padding_idx=0)
        self.tgt_emb = nn.Embedding(tgtVocabSize, dModel, padding_idx=0)
        self.register_buffer('pe', sinusoidal_table(maxLen, dModel), persistent=False)
        self.drop = nn.Dropout(dropout)
        self.transformer = nn.Transformer(dModel, nhead, layers, layers, dimFeedforward, dropout, batch_first=True, norm_first=normFirst)
        self.out = nn.Linear(dModel, tgtVocabSize)

    def forward(self, src, tgt):
        pad = src == 0
        T = tgt.shape[1]
        causal = torch.triu(torch.full((T, T), float('-inf')), 1)
        x = self.drop(self.src_emb(src) + self.pe[:src.shape[1]])
        y = self.drop(self.tgt_emb(tgt) + self.pe[:T])
        h = self.transformer(x, y, tgt_mask=causal, src_key_padding_mask=pad, memory_key_padding_mask=pad)
        return self.out(h)


class AdditiveAttention(nn.Module):
    """e_j = score(tanh(query_proj(q) + key_proj(k_j))), a = softmax(e) over real letters, ctx = a @ k."""

    def __init__(self, query_dim, key_dim, hidden):
        super().__init__()
        self.query_proj = nn.Linear(query_dim, hidden, bias=False)
        self.key_proj = nn.Linear(key_dim, hidden)
        self.score = nn.Linear(hidden, 1, bias=False)

    def forward(self, query, keys, pad, projected_keys=None):
        k = self.key_proj(keys) if projected_keys is None else projected_keys
        e = self.score(torch.tanh(self.query_proj(query)[:, None] + k)).squeeze(2).masked_fill(pad, float('-inf'))  # (B, S)
        a = e.softmax(1)
        return (a[:, None] @ keys).squeeze(1), a


class LSTMAttention(nn.Module):
    """Loom's lstm-attention: BiLSTM encoder, bridge, LSTM decoder with input feeding and additive attention."""

    def __init__(self, srcVocabSize, tgtVocabSize, embed, hidden, attention, dropout):
        super().__init__()
        self.hidden = hidden
        self.src_emb = nn.Embedding(srcVocabSize, embed, padding_idx=0)
        self.encoder = nn.LSTM(embed, hidden, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(2 * hidden, 2 * hidden)
        self.tgt_emb = nn.Embedding(tgtVocabSize, embed, padding_idx=0)
        self.decoder = nn.LSTM(embed + 2 * hidden, 2 * hidden, batch_first=True)
        self.attention = AdditiveAttention(2 * hidden, 2 * hidden, attention)
        self.combine = nn.Linear(4 * hidden, 2 * hidden)
        self.out = nn.Linear(2 * hidden, tgtVocabSize)
        self.drop = nn.Dropout(dropout)

    def forward(self, src, tgt):
        B, S = src.shape
        pad = src == 0
        lengths = (~pad).sum(1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(self.drop(self.src_emb(src)), lengths, batch_first=True, enforce_sorted=False)
        out, (hN, _) = self.encoder(packed)
        keys, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=S)  # (B, S, 2H)
        s = torch.tanh(self.bridge(hN.transpose(0, 1).reshape(B, 2 * self.hidden)))[None]  # (1, B, 2H)
        state, ctx = (s, torch.zeros_like(s)), torch.zeros(B, 2 * self.hidden)
        projected = self.attention.key_proj(keys)
        logits = []
        for t in range(tgt.shape[1]):
            x = torch.cat([self.drop(self.tgt_emb(tgt[:, t])), ctx], 1)[:, None]  # (B, 1, E + 2H)
            y, state = self.decoder(x, state)
            ctx, _ = self.attention(y[:, 0], keys, pad, projected)
            o = self.drop(torch.tanh(self.combine(torch.cat([y[:, 0], ctx], 1))))
            logits.append(self.out(o))
        return torch.stack(logits, 1)  # (B, T, V)


def build(name, meta):
    """The module of config.json's model and config, randomly initialised."""
    if name == 'transformer':
        return Seq2SeqTransformer(**meta['config'])
    if name == 'lstm-attention':
        return LSTMAttention(**meta['config'])
    raise ValueError(f"unknown Loom g2p model '{name}'")


def greedy(net, meta, words):
    """The phonemes of each word, decoded greedily as 'loom predict' does: the arg max over ids >= 2
    after each prefix, until </s> (id 2) or maxLetters + 1 steps. The words must use known letters."""
    letters, phonemes = meta['letters'], meta['phonemes']
    out = []
    with torch.no_grad():
        for word in words:
            src = torch.tensor([[letters.index(c) for c in word]])
            ids = [1]
            for _ in range(meta['maxLetters'] + 1):
                nxt = int(net(src, torch.tensor([ids]))[0, -1, 2:].argmax()) + 2
                if nxt == 2:
                    break
                ids.append(nxt)
            out.append([phonemes[i] for i in ids[1:]])
    return out

${LOAD_SAVE_PY}`;
