// AssemblyScript, not TypeScript: compiled to dist/wasm/loom.wasm by scripts/build-wasm.mjs.
//
// Row gathers and scatter-adds over an f32 table (the reference backend's `indexSelect` and
// `indexAdd`: the embedding lookup and its gradient). Indices are i32; pointers are byte addresses.

/**
 * out[i, :] = table[idx[i], :] for i < n. Returns -1, or the position of the first index outside
 * [0, rows) (nothing is copied from there on; the caller throws).
 */
export function indexSelect(table: usize, rows: i32, cols: i32, idx: usize, n: i32, out: usize): i32 {
  const rowBytes = <usize>cols << 2;
  for (let i = 0; i < n; i++) {
    const r = load<i32>(idx + (<usize>i << 2));
    if (r < 0 || r >= rows) return i;
    memory.copy(out + <usize>i * rowBytes, table + <usize>r * rowBytes, rowBytes);
  }
  return -1;
}

/** dtable[idx[i], :] += dout[i, :] for i < n, skipping index `skip`; in order, so repeats add up as in the reference. */
export function indexAdd(dtable: usize, cols: i32, idx: usize, n: i32, dout: usize, skip: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let i = 0; i < n; i++) {
    const r = load<i32>(idx + (<usize>i << 2));
    if (r == skip) continue;
    const t = dtable + <usize>r * rowBytes;
    const g = dout + <usize>i * rowBytes;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      v128.store(t + o, f32x4.add(v128.load(t + o), v128.load(g + o)));
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      store<f32>(t + o, load<f32>(t + o) + load<f32>(g + o));
    }
  }
}
