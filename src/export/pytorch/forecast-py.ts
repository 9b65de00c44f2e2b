/**
 * The model.py of a forecaster's PyTorch export: Loom's ar, markov (nn.Linear) and rnn, lstm, gru
 * (nn.RNN / nn.LSTM / nn.GRU, batch-first, and a Linear head) under Loom's state-dict keys, with
 * `forecast(net, meta, z, cov, horizon)`, the recursive multi-step forecast of features.ts and
 * models.ts in normalised units. Kept as a string (browser-safe, no file at run time).
 */
import { LOAD_SAVE_PY, PY_IMPORTS, SAFETENSORS_PY } from './python-common.js';

export const FORECAST_PY = String.raw`"""A Loom forecaster as a PyTorch module, exported by 'loom export --format pytorch'.

    import sys; sys.path.insert(0, 'OUT')
    import model
    net, meta = model.load('OUT')          # OUT/config.json and OUT/model.safetensors
    # normalised values z = (x - mean) / std, meta['normalisation'] = {'mean': ..., 'std': ...}
    z_hat = net(rows)                      # ar, markov: rows (B, p + C) = [z_{t-1} .. z_{t-p}, cov_t] -> (B)
    z_hat, state = net(u, state)           # rnn, lstm, gru: u (B, T, 1 + C) = [z_s - m, cov_{s+1}] -> (B, T)

m is the mean of a window's first meta['levelDays'] values; meta['covariates'] names the C calendar
covariates (Loom's data/calendar.ts). Needs nothing but torch (1.13 or later) and the standard library.
"""
${PY_IMPORTS}

${SAFETENSORS_PY}
# ---- the models ------------------------------------------------------------------------------------


class Lag(nn.Module):
    """Loom's ar (p lags) and markov (p = 1): z_t = linear([z_{t-1} .. z_{t-p}, cov_t])."""

    def __init__(self, p, covariates):
        super().__init__()
        self.p = p
        self.linear = nn.Linear(p + covariates, 1)

    def forward(self, rows):
        return self.linear(rows).squeeze(1)


class LatentAR(nn.Module):
    """Loom's rnn, lstm, gru: a recurrent state over [z_s - m, cov_{s+1}], a Linear head for z_{s+1} - m."""

    def __init__(self, cell, covariates, hidden, layers):
        super().__init__()
        self.rnn = {'rnn': nn.RNN, 'lstm': nn.LSTM, 'gru': nn.GRU}[cell](1 + covariates, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, u, state=None):
        """u (B, T, 1 + C), the state (zeros when None) -> (forecasts (B, T), the state after day T)."""
        y, state = self.rnn(u, state)
        return self.head(y).squeeze(2), state


def build(name, meta):
    """The module of config.json's model and config, randomly initialised."""
    c = meta['config']
    if name == 'ar':
        return Lag(c['p'], c['covariates'])
    if name == 'markov':
        return Lag(1, c['covariates'])
    if name in ('rnn', 'lstm', 'gru'):
        return LatentAR(c['cell'], c['covariates'], c['hidden'], c['layers'])
    raise ValueError(f"unknown Loom forecaster '{name}'")


def forecast(net, meta, z, cov, horizon):
    """Recursive forecasts (normalised) of the days after z (1-D, the last value the origin), cov
    (len(z) + horizon + 1, C) the covariates of those days and the next ones (None without)."""
    z = [float(v) for v in z]
    n = len(z)
    C = meta['config']['covariates']
    day = lambda t: cov[t] if C else torch.zeros(0)
    out = []
    with torch.no_grad():
        if isinstance(net, Lag):
            for h in range(1, horizon + 1):
                t = n - 1 + h
                lags = torch.tensor([z[t - k] if t - k < n else out[t - k - n] for k in range(1, net.p + 1)])
                out.append(float(net(torch.cat([lags, day(t)])[None])[0]))
            return out
        T = meta['window']
        first = n - T
        m = sum(z[first:first + min(meta['levelDays'], T)]) / min(meta['levelDays'], T)
        u = torch.stack([torch.cat([torch.tensor([z[s] - m]), day(s + 1)]) for s in range(first, n)])[None]
        y, state = net(u)
        last = float(y[0, -1])
        for h in range(1, horizon + 1):
            out.append(last + m)
            if h == horizon:
                break
            y, state = net(torch.cat([torch.tensor([last]), day(n + h)])[None, None], state)
            last = float(y[0, 0])
        return out

${LOAD_SAVE_PY}`;
