"""Imported by the PyTorch twins before torch: Debian's OpenBLAS falls back to generic 'Prescott' kernels
on CPUs it does not recognise (seen on an AVX-512 Xeon: 29 instead of 212 GFLOPS), so name the core type by
instruction set, as ../shared/bench/torch_anchor.py does. OPENBLAS_CORETYPE set by the caller wins."""
import os

if 'OPENBLAS_CORETYPE' not in os.environ:
    _flags = open('/proc/cpuinfo').read()
    if ' avx512f' in _flags: os.environ['OPENBLAS_CORETYPE'] = 'SkylakeX'
    elif ' avx2' in _flags: os.environ['OPENBLAS_CORETYPE'] = 'Haswell'
CORE_TYPE = os.environ.get('OPENBLAS_CORETYPE', 'not named (no AVX2)')
