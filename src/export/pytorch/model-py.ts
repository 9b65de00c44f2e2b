/**
 * The model.py that `loom export --format pytorch` writes: the character LMs as PyTorch modules built
 * from PyTorch's own layers, and `load(OUT)` / `save(net, OUT)` that read and write the safetensors
 * file with the standard library only (Debian's PyTorch 1.13 comes without the `safetensors` package).
 * Kept as a string so that the export needs no file of its own at run time (and runs in a browser).
 */
import { PY_IMPORTS, SAFETENSORS_PY } from './python-common.js';

export const MODEL_PY = String.raw`"""A Loom character language model as a PyTorch module, exported by 'loom export --format pytorch'.

    import sys; sys.path.insert(0, 'OUT')
    import model
    net, vocab = model.load('OUT')           # OUT/config.json and OUT/model.safetensors
    ids = torch.tensor([[vocab.index(c) for c in 'Call me']])
    logits = net(ids)                        # ids int64 (B, T) -> logits (B, T, V), from a zero state
    model.save(net, 'OUT2')                  # Loom's keys again, for 'loom import --from pytorch'

The layers are PyTorch's own (nn.Embedding, nn.LSTM / nn.GRU / nn.RNN, nn.MultiheadAttention,
nn.LayerNorm, nn.Linear, nn.GELU), the state-dict keys Loom's (which are PyTorch's, nanoGPT's for the
GPT; only nn.MultiheadAttention's in_proj/out_proj names are mapped to and from Loom's c_attn/c_proj).
Needs nothing but torch (1.13 or later) and Python's standard library: the safetensors file is read
and written here, without the 'safetensors' package.

Training on several GPUs is PyTorch's business from here on (see Loom's docs/INTEROP.md):

    net = torch.nn.parallel.DistributedDataParallel(net.to(rank), device_ids=[rank])
"""
${PY_IMPORTS}

${SAFETENSORS_PY}
# ---- the models ------------------------------------------------------------------------------------


class CharRNN(nn.Module):
    """Embedding -> nn.RNN / nn.LSTM / nn.GRU (batch_first) -> Linear head; Loom's rnn, lstm and gru."""

    def __init__(self, vocabSize, embed, hidden, layers, cell, dropout=0.0):
        super().__init__()
        self.embedding = nn.Embedding(vocabSize, embed)
        self.rnn = {'rnn': nn.RNN, 'lstm': nn.LSTM, 'gru': nn.GRU}[cell](embed, hidden, num_layers=layers, batch_first=True, dropout=dropout)
        self.head = nn.Linear(hidden, vocabSize)

    def forward(self, ids, state=None, return_state=False):
        """ids (B, T) int64, state (zeros when None) -> logits (B, T, V) [and the state after the last step]."""
        y, state = self.rnn(self.embedding(ids), state)  # (B, T, H)
        logits = self.head(y)
        return (logits, state) if return_state else logits


class Markov(nn.Module):
    """p(x_t | x_{t-1}): Embedding -> Linear; Loom's markov."""

    def __init__(self, vocabSize, embed):
        super().__init__()
        self.emb = nn.Embedding(vocabSize, embed)
        self.head = nn.Linear(embed, vocabSize)

    def forward(self, ids):
        return self.head(self.emb(ids))


def layer_norm(C, bias):
    ln = nn.LayerNorm(C)
    if not bias:
        ln.register_parameter('bias', None)  # nn.LayerNorm(bias=False) before torch 2.1
    return ln


class LinearAttention(nn.Module):
    """Causal linear attention with phi = elu + 1: y_t = phi(q_t)^T S_t / (phi(q_t) . z_t + eps),
    written as (tril(phi(q) phi(k)^T) v) / (row sums + eps); keys qkv and proj as Loom's."""

    def __init__(self, C, n_head, bias=True, eps=1e-6):
        super().__init__()
        self.n_head, self.eps = n_head, eps
        self.qkv = nn.Linear(C, 3 * C, bias=bias)
        self.proj = nn.Linear(C, C, bias=bias)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.n_head, C // self.n_head).permute(2, 0, 3, 1, 4)  # 3 x (B, nh, T, hs)
        q, k = F.elu(q) + 1, F.elu(k) + 1
        a = (q @ k.transpose(-2, -1)).tril()  # (B, nh, T, T)
        y = (a @ v) / (a.sum(-1, keepdim=True) + self.eps)  # (B, nh, T, hs)
        return self.proj(y.transpose(1, 2).reshape(B, T, C))


class MLP(nn.Module):
    def __init__(self, C, bias, dropout):
        super().__init__()
        self.c_fc = nn.Linear(C, 4 * C, bias=bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * C, C, bias=bias)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    """Pre-LN: x + attn(ln_1(x)), then x + mlp(ln_2(x)); softmax attention is nn.MultiheadAttention."""

    def __init__(self, C, n_head, bias, dropout, attention):
        super().__init__()
        self.ln_1 = layer_norm(C, bias)
        if attention == 'linear':
            self.attn = LinearAttention(C, n_head, bias)
            self.resid_dropout = nn.Dropout(0.0)
        else:
            self.attn = nn.MultiheadAttention(C, n_head, dropout=dropout, bias=bias, batch_first=True)
            self.resid_dropout = nn.Dropout(dropout)
        self.ln_2 = layer_norm(C, bias)
        self.mlp = MLP(C, bias, dropout)

    def forward(self, x, mask):
        h = self.ln_1(x)
        a = self.attn(h) if isinstance(self.attn, LinearAttention) else self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        x = x + self.resid_dropout(a)
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """nanoGPT's decoder-only Transformer; Loom's gpt (softmax attention) and linear-gpt (linear attention)."""

    def __init__(self, vocabSize, blockSize, nLayer, nHead, nEmbd, tiedHead=True, bias=True, dropout=0.0, attention='softmax', **_):
        super().__init__()
        self.block_size = blockSize
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocabSize, nEmbd),
            wpe=nn.Embedding(blockSize, nEmbd),
            drop=nn.Dropout(dropout),
            h=nn.ModuleList([Block(nEmbd, nHead, bias, dropout, attention) for _ in range(nLayer)]),
            ln_f=layer_norm(nEmbd, bias),
        ))
        self.lm_head = nn.Linear(nEmbd, vocabSize, bias=False)
        if tiedHead:
            self.lm_head.weight = self.transformer.wte.weight

    def forward(self, ids):
        """ids (B, T) int64, T <= blockSize -> logits (B, T, V), each position seeing only its prefix."""
        T = ids.shape[1]
        assert T <= self.block_size, f'a sequence of {T} positions, the block size is {self.block_size}'
        mask = torch.triu(torch.ones(T, T, dtype=torch.bool, device=ids.device), 1)  # True: not visible
        x = self.transformer.drop(self.transformer.wte(ids) + self.transformer.wpe(torch.arange(T, device=ids.device)))
        for block in self.transformer.h:
            x = block(x, mask)
        return self.lm_head(self.transformer.ln_f(x))

# ---- loading and saving ----------------------------------------------------------------------------

# Loom's names of softmax attention's projections, and nn.MultiheadAttention's
MHA_KEYS = [('attn.c_attn.weight', 'attn.in_proj_weight'), ('attn.c_attn.bias', 'attn.in_proj_bias'),
            ('attn.c_proj.weight', 'attn.out_proj.weight'), ('attn.c_proj.bias', 'attn.out_proj.bias')]


def _rename(state, pairs):
    out = {}
    for k, t in state.items():
        for a, b in pairs:
            if k.endswith('.' + a):
                k = k[:-len(a)] + b
                break
        out[k] = t
    return out


def build(name, config):
    """The module of a Loom model name and config (as config.json holds them), randomly initialised."""
    if name in ('rnn', 'lstm', 'gru'):
        return CharRNN(config['vocabSize'], config['embed'], config['hidden'], config['layers'], name, config.get('dropout', 0.0))
    if name == 'markov':
        return Markov(config['vocabSize'], config['embed'])
    if name in ('gpt', 'linear-gpt'):
        return GPT(**{**config, 'attention': 'softmax' if name == 'gpt' else 'linear'})
    raise ValueError(f"unknown Loom model '{name}'")


def load(out_dir):
    """(module, vocab): the exported model with its weights, in eval mode, and its characters in id order."""
    with open(os.path.join(out_dir, 'config.json'), encoding='utf-8') as f:
        meta = json.load(f)
    net = build(meta['model'], meta['config'])
    state = read_safetensors(os.path.join(out_dir, 'model.safetensors'))
    if meta['model'] == 'gpt':
        state = _rename(state, MHA_KEYS)
    net.load_state_dict({k: t.float() for k, t in state.items()})
    return net.eval(), meta['vocab']


def loom_state_dict(net):
    """The module's state dict under Loom's keys (float32, on the CPU)."""
    net = getattr(net, 'module', net)  # a DistributedDataParallel wrapper's module
    state = {k: t.detach().float().cpu() for k, t in net.state_dict().items()}
    if isinstance(net, GPT) and not isinstance(net.transformer.h[0].attn, LinearAttention):
        state = _rename(state, [(b, a) for a, b in MHA_KEYS])
    return state


def save(net, out_dir):
    """Writes OUT/model.safetensors under Loom's keys, for 'loom import --from pytorch OUT/model.safetensors'."""
    os.makedirs(out_dir, exist_ok=True)
    write_safetensors(loom_state_dict(net), os.path.join(out_dir, 'model.safetensors'), {'format': 'pt'})
`;
