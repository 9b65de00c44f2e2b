#!/usr/bin/env python3
"""The PyTorch twin of `loom train --task forecast` (the LSTM): the same data, features, splits, model,
batching, optimizer, schedule and steps, so Loom's MASE and wall time can be compared like for like.

  data      the built-in US births series (or --data/--date/--value as loom's), normalised with the
            training part's mean and std; the calendar covariates come from Loom itself (dumped by
            `node` from dist/, so both sides read identical features)
  splits    test = last 365 days, validation = the 365 before, train = the rest
  model     LatentAR: nn.LSTM(1 + 20, 64, batch_first=True) -> nn.Linear(64, 1); input u_s = [z_s - m, cov_{s+1}],
            target z_{s+1} - m, m = the mean of the window's first 7 days
  training  2000 steps, batch 32 windows of 56 days ending at random training days, MSE over every
            position, Adam 3e-3 with a cosine decay to 0, gradient clipping 1.0
  eval      rolling origin over the test period at H = 14, recursive; MASE scaled by the lag-7 seasonal
            naive's mean absolute error on the days before the test period; sMAPE in percent

Not needed by the tests. Needs Debian's python3-torch (run with /usr/bin/python3) and a built dist/.
`--dry` runs without torch: the data, the features and the seasonal-naive MASE (1.175 on the built-in series).

Usage: /usr/bin/python3 scripts/torch_forecast.py [--dry] [--steps N] [--seed S] [--data FILE --date COL --value COL]
"""
import argparse, json, math, os, subprocess, time
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
p = argparse.ArgumentParser()
p.add_argument('--dry', action='store_true'); p.add_argument('--steps', type=int, default=2000); p.add_argument('--seed', type=int, default=0)
p.add_argument('--data', default='us-births'); p.add_argument('--date', default=''); p.add_argument('--value', default='')
p.add_argument('--horizon', type=int, default=14)
a = p.parse_args()

DUMP = """
import(require('url').pathToFileURL(process.argv[1]).href).then(({ loadSeries, calendarCovariates, COVARIATES }) => {
  const [data, date, value, ahead] = process.argv.slice(2);
  const { series } = loadSeries({ data, date, value });
  const cov = calendarCovariates(series.start, series.values.length + Number(ahead));
  process.stdout.write(JSON.stringify({ values: Array.from(series.values), cov: Array.from(cov), width: COVARIATES }), () => process.exit(0));
});
"""
out = subprocess.run(['node', '-e', DUMP, os.path.join(ROOT, 'dist/src/node.js'), a.data, a.date, a.value, str(a.horizon + 1)],
                     capture_output=True, text=True, check=True).stdout
d = json.loads(out)
y = np.array(d['values'], dtype=np.float64); C = d['width']
cov = np.array(d['cov'], dtype=np.float32).reshape(-1, C)
n = len(y); H = a.horizon; T = 56; B = 32; LEVEL = 7
val_end = n - 365; train_end = val_end - 365
mean, std = y[:train_end].mean(), y[:train_end].std()
z = (y - mean) / std


def score(forecasts, frm, to):
    """forecasts (N, H) from the origins frm-1 .. to-1-H; returns MASE, sMAPE."""
    origins = np.arange(frm - 1, to - H)
    actual = np.stack([y[o + 1:o + 1 + H] for o in origins])
    scale = np.abs(y[7:frm] - y[:frm - 7]).mean()
    e = np.abs(actual - forecasts)
    d = np.abs(actual) + np.abs(forecasts)
    return e.mean() / scale, np.where(d == 0, 0, 200 * e / np.where(d == 0, 1, d)).mean()


def seasonal_naive(frm, to):
    origins = np.arange(frm - 1, to - H)
    return np.stack([[y[o + h - 7 * math.ceil(h / 7)] for h in range(1, H + 1)] for o in origins])


def windows(last_days):
    """u (B, T, 1 + C), y (B, T), level (B) of the windows of T days ending at last_days."""
    first = np.asarray(last_days) - T + 1
    idx = first[:, None] + np.arange(T)[None, :]
    level = z[first[:, None] + np.arange(LEVEL)[None, :]].mean(1)
    u = np.concatenate([(z[idx] - level[:, None])[..., None], cov[idx + 1]], axis=2).astype(np.float32)
    tgt = (z[np.minimum(idx + 1, n - 1)] - level[:, None]).astype(np.float32)
    return u, tgt, level


sn = score(seasonal_naive(val_end, n), val_end, n)
print(f'data: {a.data}, {n} days; train {train_end}, validation {val_end - train_end}, test {n - val_end}; horizon {H}')
print(f'seasonal-naive  MASE {sn[0]:.3f}  sMAPE {sn[1]:.2f}%')
if a.dry:
    raise SystemExit(0)

from openblas_core import CORE_TYPE  # noqa: E402  (before torch)
import torch, torch.nn as nn  # noqa: E402

torch.manual_seed(a.seed); torch.set_num_threads(1)


class LatentAR(nn.Module):
    def __init__(s, C, hidden=64, layers=1):
        super().__init__(); s.rnn = nn.LSTM(1 + C, hidden, num_layers=layers, batch_first=True); s.head = nn.Linear(hidden, 1)

    def forward(s, u, state=None):
        h, state = s.rnn(u, state); return s.head(h).squeeze(2), state


model = LatentAR(C)
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 0.5 * (1 + math.cos(math.pi * min(step, a.steps) / a.steps)))
rng = np.random.default_rng(a.seed + 1)
pool = np.arange(T, train_end)


def forecast(origins):
    with torch.no_grad():
        u, _, level = windows(origins)
        zh, state = model(torch.from_numpy(u))
        last = zh[:, -1]; outs = [last]
        for h in range(1, H):
            step = np.concatenate([last.numpy()[:, None], cov[np.asarray(origins) + h + 1]], axis=1).astype(np.float32)[:, None, :]
            zh, state = model(torch.from_numpy(step), state); last = zh[:, 0]; outs.append(last)
        return (torch.stack(outs, 1).numpy() + level[:, None]) * std + mean


t0 = time.time()
for step in range(1, a.steps + 1):
    days = pool[rng.integers(0, len(pool), B)]
    u, tgt, _ = windows(days - 1)
    zh, _ = model(torch.from_numpy(u))
    loss = nn.functional.mse_loss(zh, torch.from_numpy(tgt))
    opt.zero_grad(); loss.backward(); nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step(); sched.step()
    if step % 500 == 0: print(f'step {step}: loss {loss.item():.4f} ({time.time() - t0:.1f}s)')
train_s = time.time() - t0
m = score(forecast(np.arange(val_end - 1, n - H)), val_end, n)
print(f'lstm            MASE {m[0]:.3f}  sMAPE {m[1]:.2f}%   ({train_s:.1f}s training, {a.steps} steps, 1 thread, OpenBLAS core {CORE_TYPE})')
