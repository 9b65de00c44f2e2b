/**
 * The model.py of an image classifier's PyTorch export: Loom's cnn, se-cnn, vit and swin as PyTorch
 * modules of PyTorch's own layers (nn.Conv2d, nn.BatchNorm2d, nn.MaxPool2d, nn.LayerNorm, nn.Linear,
 * nn.GELU) under Loom's state-dict keys (timm's for ViT and Swin), taking pixels in [0, 1] and
 * normalising them as training did. Kept as a string (browser-safe, no file at run time).
 */
import { LOAD_SAVE_PY, PY_IMPORTS, SAFETENSORS_PY } from './python-common.js';

export const VISION_PY = String.raw`"""A Loom image classifier as a PyTorch module, exported by 'loom export --format pytorch'.

    import sys; sys.path.insert(0, 'OUT')
    import model
    net, meta = model.load('OUT')            # OUT/config.json and OUT/model.safetensors
    logits = net(pixels)                     # pixels float32 (B, C, H, W) in [0, 1] -> logits (B, K)
    meta['classes'][logits.argmax(1)[0]]     # the class names in logit order

The module normalises its input with the training images' mean and std (meta['normalisation']), as
Loom's predict does. Needs nothing but torch (1.13 or later) and Python's standard library.
"""
${PY_IMPORTS}

${SAFETENSORS_PY}
# ---- the models ------------------------------------------------------------------------------------


class Normalise(nn.Module):
    """(pixels - mean) / std with the training images' statistics (plain numbers, not weights)."""

    def __init__(self, mean, std):
        super().__init__()
        self.mean, self.std = float(mean), float(std)

    def forward(self, x):
        return (x - self.mean) / self.std


class SqueezeExcitation(nn.Module):
    def __init__(self, C, reduction):
        super().__init__()
        self.fc1 = nn.Linear(C, C // reduction)
        self.fc2 = nn.Linear(C // reduction, C)

    def forward(self, x):
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(x.mean((2, 3))))))  # (B, C)
        return x * s[:, :, None, None]


class ConvBlock(nn.Module):
    """Conv2d(3, padding 1) -> BatchNorm2d -> ReLU -> MaxPool2d(2) (-> squeeze-excitation)."""

    def __init__(self, c_in, c_out, reduction=None):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.bn = nn.BatchNorm2d(c_out)
        self.pool = nn.MaxPool2d(2)
        if reduction:
            self.se = SqueezeExcitation(c_out, reduction)

    def forward(self, x):
        x = self.pool(F.relu(self.bn(self.conv(x))))
        return self.se(x) if hasattr(self, 'se') else x


class Head(nn.Module):
    def __init__(self, d_in, hidden, classes, dropout):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.fc1 = nn.Linear(d_in, hidden)
        self.fc2 = nn.Linear(hidden, classes)

    def forward(self, x):
        return self.fc2(self.drop(F.relu(self.fc1(self.drop(x.flatten(1))))))


class CNN(nn.Module):
    """Loom's cnn (reduction None) and se-cnn: two conv blocks and a two-layer head."""

    def __init__(self, imageSize, inChannels, numClasses, channels, hidden, dropout, reduction=None, mean=0.0, std=1.0):
        super().__init__()
        c1, c2 = channels
        self.normalise = Normalise(mean, std)
        self.features = nn.ModuleList([ConvBlock(inChannels, c1, reduction), ConvBlock(c1, c2, reduction)])
        self.head = Head(c2 * (imageSize // 4) ** 2, hidden, numClasses, dropout)

    def forward(self, pixels):
        x = self.normalise(pixels)
        for block in self.features:
            x = block(x)
        return self.head(x)


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Attention(nn.Module):
    """Multi-head self-attention with a packed qkv (timm's); optional additive bias and window mask."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, bias=None, mask=None):
        B, N, C = x.shape
        q, k, v = self.qkv(x).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)  # 3 x (B, h, N, hd)
        a = (q @ k.transpose(-2, -1)) * (C // self.heads) ** -0.5  # (B, h, N, N)
        if bias is not None:
            a = a + bias
        if mask is not None:  # (nW, N, N): window w of each image gets mask[w]
            nW = mask.shape[0]
            a = (a.view(B // nW, nW, self.heads, N, N) + mask[None, :, None]).view(B, self.heads, N, N)
        return self.proj((a.softmax(-1) @ v).transpose(1, 2).reshape(B, N, C))


class PatchEmbed(nn.Module):
    """Patches of p x p as tokens; with stem channels s > 0, a conv-BN-ReLU stem first and a projection
    whose 2 (p // 2) + 1 kernel overlaps the neighbouring patches."""

    def __init__(self, patch, c_in, dim, norm=False, stem=0):
        super().__init__()
        if stem > 0:
            self.stem = nn.Sequential(nn.Conv2d(c_in, stem, 3, padding=1, bias=False), nn.BatchNorm2d(stem), nn.ReLU())
            self.proj = nn.Conv2d(stem, dim, 2 * (patch // 2) + 1, stride=patch, padding=patch // 2)
        else:
            self.proj = nn.Conv2d(c_in, dim, patch, stride=patch)
        if norm:
            self.norm = nn.LayerNorm(dim)

    def forward(self, x):
        if hasattr(self, 'stem'):
            x = self.stem(x)
        x = self.proj(x).flatten(2).transpose(1, 2)  # (B, dim, h, w) -> (B, h w, dim)
        return self.norm(x) if hasattr(self, 'norm') else x


class ViTBlock(nn.Module):
    def __init__(self, dim, heads, mlp_dim):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, mlp_dim)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class ViT(nn.Module):
    """Loom's vit: patches, class token, positions, pre-LN blocks, classified from the class token."""

    def __init__(self, imageSize, patchSize, inChannels, numClasses, dim, depth, heads, mlpDim, mean=0.0, std=1.0):
        super().__init__()
        n = (imageSize // patchSize) ** 2
        self.normalise = Normalise(mean, std)
        self.patch_embed = PatchEmbed(patchSize, inChannels, dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, n + 1, dim))
        self.blocks = nn.ModuleList([ViTBlock(dim, heads, mlpDim) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, numClasses)

    def forward(self, pixels):
        x = self.patch_embed(self.normalise(pixels))  # (B, n, dim)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], 1) + self.pos_embed
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x)[:, 0])


def relative_position_index(ws):
    coords = torch.stack(torch.meshgrid(torch.arange(ws), torch.arange(ws), indexing='ij')).flatten(1)  # (2, N)
    rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0) + (ws - 1)  # (N, N, 2)
    return (rel[:, :, 0] * (2 * ws - 1) + rel[:, :, 1]).to(torch.int32)


def shifted_window_mask(R, ws, shift):
    img = torch.zeros(R, R)
    cuts = (slice(0, -ws), slice(-ws, -shift), slice(-shift, None))
    for i, hs in enumerate(cuts):
        for j, wsl in enumerate(cuts):
            img[hs, wsl] = 3 * i + j
    w = img.view(R // ws, ws, R // ws, ws).permute(0, 2, 1, 3).reshape(-1, ws * ws)  # (nW, N)
    return (w[:, None, :] != w[:, :, None]).float() * -100.0  # (nW, N, N)


class WindowAttention(Attention):
    def __init__(self, dim, ws, heads):
        super().__init__(dim, heads)
        self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * ws - 1) ** 2, heads))
        self.register_buffer('relative_position_index', relative_position_index(ws))

    def forward(self, x, mask=None):
        N = x.shape[1]
        bias = self.relative_position_bias_table[self.relative_position_index.reshape(-1).long()].view(N, N, -1).permute(2, 0, 1)  # (h, N, N)
        return super().forward(x, bias, mask)


class SwinBlock(nn.Module):
    def __init__(self, dim, R, heads, ws, shift, mlp_ratio):
        super().__init__()
        self.R, self.ws, self.shift = R, ws, shift
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, ws, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))
        self.register_buffer('attn_mask', shifted_window_mask(R, ws, shift) if shift else None)

    def forward(self, x):
        B, L, C = x.shape
        R, ws, s = self.R, self.ws, self.shift
        h = torch.roll(self.norm1(x).view(B, R, R, C), (-s, -s), (1, 2))
        win = h.view(B, R // ws, ws, R // ws, ws, C).permute(0, 1, 3, 2, 4, 5).reshape(-1, ws * ws, C)  # (B nW, N, C)
        a = self.attn(win, self.attn_mask)
        h = a.view(B, R // ws, R // ws, ws, ws, C).permute(0, 1, 3, 2, 4, 5).reshape(B, R, R, C)
        x = x + torch.roll(h, (s, s), (1, 2)).reshape(B, L, C)
        return x + self.mlp(self.norm2(x))


class PatchMerging(nn.Module):
    def __init__(self, R, dim):
        super().__init__()
        self.R = R
        self.norm = nn.LayerNorm(4 * dim)
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)

    def forward(self, x):
        B, L, C = x.shape
        g = x.view(B, self.R, self.R, C)
        x = torch.cat([g[:, 0::2, 0::2], g[:, 1::2, 0::2], g[:, 0::2, 1::2], g[:, 1::2, 1::2]], -1).view(B, -1, 4 * C)
        return self.reduction(self.norm(x))


class SwinStage(nn.Module):
    def __init__(self, dim, R, depth, heads, window, mlp_ratio, downsample):
        super().__init__()
        ws = min(window, R)
        shift = 0 if R <= window else ws // 2
        self.blocks = nn.ModuleList([SwinBlock(dim, R, heads, ws, shift if i % 2 else 0, mlp_ratio) for i in range(depth)])
        self.downsample = PatchMerging(R, dim) if downsample else None

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return self.downsample(x) if self.downsample is not None else x


class SwinTiny(nn.Module):
    """Loom's swin: a conv stem, 2 x 2 patches, two stages of (shifted) window attention, one patch merging."""

    def __init__(self, imageSize, patchSize, inChannels, numClasses, dim, depths, heads, windowSize, mlpRatio, stemChannels, mean=0.0, std=1.0):
        super().__init__()
        R = imageSize // patchSize
        self.normalise = Normalise(mean, std)
        self.patch_embed = PatchEmbed(patchSize, inChannels, dim, norm=True, stem=stemChannels)
        self.layers = nn.ModuleList([
            SwinStage(dim, R, depths[0], heads[0], windowSize, mlpRatio, True),
            SwinStage(2 * dim, R // 2, depths[1], heads[1], windowSize, mlpRatio, False),
        ])
        self.norm = nn.LayerNorm(2 * dim)
        self.head = nn.Linear(2 * dim, numClasses)

    def forward(self, pixels):
        x = self.patch_embed(self.normalise(pixels))
        for stage in self.layers:
            x = stage(x)
        return self.head(self.norm(x).mean(1))


def build(name, meta):
    """The module of config.json's model and config, randomly initialised, normalising as in training."""
    config, norm = meta['config'], meta['normalisation']
    if name in ('cnn', 'se-cnn'):
        return CNN(**config, **norm)
    if name == 'vit':
        return ViT(**config, **norm)
    if name == 'swin':
        return SwinTiny(**config, **norm)
    raise ValueError(f"unknown Loom image model '{name}'")

${LOAD_SAVE_PY}`;
