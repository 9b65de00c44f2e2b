#!/usr/bin/env python3
"""Generates PyTorch parity cases for Loom's vision blocks (Conv1d/2d, pooling, BatchNorm, and the
reference modules SqueezeExcitation, PatchMerging, SwinBlock, ViT) in configurations the shared fixtures
do not have: strides, padding, dilation, groups, padding modes, ceil mode, count_include_pad=False,
cumulative-average BatchNorm, shifted Swin windows, other ViT sizes. Same format as
shared/fixtures/parity; files are test/parity/vision/x_*.safetensors.

The ref.* modules come from reference_modules.py beside the shared fixtures (PARITY_DIR, default
/work/shared/fixtures/parity, or ../shared/fixtures/parity next to the repository).

Needs PyTorch (Debian: apt-get install python3-torch; run with /usr/bin/python3); tests only read the files.
Usage: /usr/bin/python3 scripts/make_vision_cases.py [OUT_DIR]   (default test/parity; writes OUT_DIR/vision/)
"""
import os
import sys

import torch
from torch import nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_parity_cases import area_dir, one_output_case, write_safetensors  # noqa: E402


def parity_dir():
    for d in (os.environ.get("PARITY_DIR"), "/work/shared/fixtures/parity", os.path.join(HERE, "../../shared/fixtures/parity")):
        if d and os.path.exists(os.path.join(d, "reference_modules.py")):
            return d
    sys.exit("reference_modules.py not found: set PARITY_DIR to the shared parity fixtures")


sys.path.insert(0, parity_dir())
import reference_modules as ref  # noqa: E402


def module_case(out, name, cls, args, inputs, **kw):
    one_output_case(os.path.join(out, f"x_{name}.safetensors"), cls, args, inputs, **kw)


def functional_case(out, name, fn, kwargs, inputs, rtol=1e-4, atol=1e-5):
    ins = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    y = getattr(F, fn)(*ins.values(), **kwargs)
    cot = torch.randn_like(y)
    (y * cot).sum().backward()
    t = {f"input/{k}": v.detach() for k, v in ins.items()}
    t["output/output"] = y.detach()
    t["cotangent/output"] = cot
    t.update({f"grad/input/{k}": v.grad for k, v in ins.items()})
    spec = dict(kind="functional", fn=fn, kwargs=kwargs, inputs=list(inputs), outputs=["output"], rtol=rtol, atol=atol)
    write_safetensors(os.path.join(out, f"x_{name}.safetensors"), t, spec)


def main(root):
    out = area_dir("vision", root)
    torch.manual_seed(0)
    r = torch.randn

    # convolutions
    module_case(out, "conv2d_stride_pad_dil_groups", nn.Conv2d,
                dict(in_channels=4, out_channels=6, kernel_size=3, stride=2, padding=2, dilation=2, groups=2), {"input": r(2, 4, 9, 8)})
    module_case(out, "conv2d_rect_tuple", nn.Conv2d,
                dict(in_channels=3, out_channels=5, kernel_size=[2, 3], stride=[1, 2], padding=[1, 0]), {"input": r(2, 3, 6, 7)})
    module_case(out, "conv2d_same_even_reflect", nn.Conv2d,
                dict(in_channels=2, out_channels=3, kernel_size=4, padding="same", padding_mode="reflect"), {"input": r(2, 2, 6, 5)})
    module_case(out, "conv2d_circular_nobias", nn.Conv2d,
                dict(in_channels=2, out_channels=4, kernel_size=3, padding=1, padding_mode="circular", bias=False), {"input": r(1, 2, 5, 5)})
    module_case(out, "conv2d_replicate_depthwise", nn.Conv2d,
                dict(in_channels=4, out_channels=8, kernel_size=3, padding=[2, 1], groups=4, padding_mode="replicate"), {"input": r(2, 4, 5, 6)})
    module_case(out, "conv2d_unbatched_valid", nn.Conv2d,
                dict(in_channels=3, out_channels=2, kernel_size=3, padding="valid"), {"input": r(3, 5, 6)})
    module_case(out, "conv1d_nobias_stride", nn.Conv1d,
                dict(in_channels=3, out_channels=5, kernel_size=4, stride=2, padding=1, bias=False), {"input": r(2, 3, 11)})
    module_case(out, "conv1d_depthwise_same", nn.Conv1d,
                dict(in_channels=4, out_channels=4, kernel_size=3, padding="same", dilation=2, groups=4), {"input": r(3, 4, 10)})
    functional_case(out, "fn_conv2d_groups", "conv2d", dict(stride=[2, 1], padding=1, groups=2),
                    {"input": r(2, 4, 7, 6), "weight": r(6, 2, 3, 3), "bias": r(6)})

    # pooling (normal inputs: no ties, so the max is unique)
    module_case(out, "maxpool2d_pad_stride", nn.MaxPool2d, dict(kernel_size=3, stride=2, padding=1), {"input": r(2, 3, 7, 8)})
    module_case(out, "maxpool2d_ceil_dilation", nn.MaxPool2d, dict(kernel_size=2, stride=2, dilation=2, ceil_mode=True), {"input": r(1, 2, 9, 8)})
    module_case(out, "maxpool2d_rect_unbatched", nn.MaxPool2d, dict(kernel_size=[2, 3], stride=[1, 2]), {"input": r(3, 5, 7)})
    module_case(out, "avgpool2d_exclude_pad", nn.AvgPool2d, dict(kernel_size=3, stride=2, padding=1, count_include_pad=False), {"input": r(2, 3, 7, 6)})
    module_case(out, "avgpool2d_ceil_include_pad", nn.AvgPool2d, dict(kernel_size=3, stride=2, padding=1, ceil_mode=True), {"input": r(1, 2, 6, 8)})
    module_case(out, "avgpool2d_divisor", nn.AvgPool2d, dict(kernel_size=2, divisor_override=3), {"input": r(2, 2, 4, 6)})
    module_case(out, "adaptive_avgpool2d_3x2", nn.AdaptiveAvgPool2d, dict(output_size=[3, 2]), {"input": r(2, 3, 7, 5)})
    module_case(out, "adaptive_avgpool2d_global", nn.AdaptiveAvgPool2d, dict(output_size=1), {"input": r(2, 4, 5, 3)})

    # batch norm
    stats = lambda c: {"running_mean": torch.randn(c), "running_var": torch.rand(c) + 0.5, "num_batches_tracked": torch.tensor(3)}  # noqa: E731
    module_case(out, "batchnorm1d_2d_input", nn.BatchNorm1d, dict(num_features=5), {"input": r(8, 5)}, buffers=stats(5))
    module_case(out, "batchnorm1d_eval_3d", nn.BatchNorm1d, dict(num_features=4, eps=1e-3), {"input": r(3, 4, 6)}, mode="eval", buffers=stats(4))
    module_case(out, "batchnorm2d_cma_noaffine", nn.BatchNorm2d, dict(num_features=3, momentum=None, affine=False),
                {"input": r(4, 3, 3, 5)}, buffers=stats(3))
    module_case(out, "batchnorm2d_momentum_half", nn.BatchNorm2d, dict(num_features=2, momentum=0.5), {"input": r(2, 2, 4, 4)}, buffers=stats(2))
    module_case(out, "batchnorm2d_notrack_eval", nn.BatchNorm2d, dict(num_features=3, track_running_stats=False), {"input": r(2, 3, 4, 4)}, mode="eval")

    # reference modules
    module_case(out, "se_block_r2", ref.SqueezeExcitation, dict(channels=6, reduction=2), {"input": r(3, 6, 4, 3)}, module="ref.SqueezeExcitation")
    module_case(out, "patch_merging_rect", ref.PatchMerging, dict(input_resolution=[4, 6], dim=5), {"input": r(2, 24, 5)}, module="ref.PatchMerging")
    module_case(out, "swin_block_shift2", ref.SwinBlock, dict(dim=8, input_resolution=[8, 8], num_heads=2, window_size=4, shift_size=2, mlp_ratio=2.0),
                {"input": r(2, 64, 8)}, module="ref.SwinBlock", rtol=5e-4, atol=5e-5)
    # (the reference's mask construction needs at least 2 windows per dim: with one, its .view fails)
    module_case(out, "swin_block_rect_shift1", ref.SwinBlock, dict(dim=6, input_resolution=[8, 12], num_heads=3, window_size=4, shift_size=1, mlp_ratio=1.5),
                {"input": r(2, 96, 6)}, module="ref.SwinBlock", rtol=5e-4, atol=5e-5)
    module_case(out, "vit_3ch_depth3", ref.ViT, dict(image_size=12, patch_size=3, in_channels=3, num_classes=4, dim=12, depth=3, heads=3, mlp_dim=20),
                {"input": r(2, 3, 12, 12)}, module="ref.ViT", rtol=5e-4, atol=5e-5)
    module_case(out, "vit_one_patch", ref.ViT, dict(image_size=6, patch_size=6, in_channels=2, num_classes=3, dim=8, depth=1, heads=1, mlp_dim=8),
                {"input": r(3, 2, 6, 6)}, module="ref.ViT", rtol=5e-4, atol=5e-5)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
