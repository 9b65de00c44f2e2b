/**
 * A drawn view as a PNG data URL, made in the page from what the view drew: its canvases and SVGs where
 * they are laid out, its caption, labels and pickers written where they are. The views' test and
 * scripts/playground-gallery.mjs write these (page.screenshot() hangs in headless Chromium here).
 */
export async function snapshot(el: HTMLElement): Promise<string> {
  const box = el.getBoundingClientRect();
  const out = document.createElement('canvas');
  out.width = Math.ceil(el.scrollWidth);
  out.height = Math.ceil(el.scrollHeight);
  const g = out.getContext('2d')!;
  g.fillStyle = '#fff';
  g.fillRect(0, 0, out.width, out.height);
  for (const e of el.querySelectorAll<HTMLElement | SVGSVGElement>('canvas, svg, figcaption, .view-label, label')) {
    const r = e.getBoundingClientRect();
    const [x, y, w, h] = [r.left - box.left, r.top - box.top, r.width, r.height];
    if (e instanceof HTMLCanvasElement) g.drawImage(e, x, y, w, h);
    else if (e instanceof SVGSVGElement) {
      const img = new Image();
      const url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(e)], { type: 'image/svg+xml' }));
      await new Promise((ok, fail) => {
        img.onload = ok;
        img.onerror = () => fail(new Error('an SVG does not rasterise'));
        img.src = url;
      });
      g.drawImage(img, x, y, w, h);
    } else {
      const style = getComputedStyle(e);
      g.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      g.fillStyle = '#222';
      const lh = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.2;
      const text = e instanceof HTMLLabelElement ? (e.firstChild?.textContent ?? '') + (e.querySelector('select')?.selectedOptions[0]?.text ?? '') : (e.textContent ?? '');
      // the text wrapped at the element's width
      let line = '';
      let ly = y + lh * 0.8;
      for (const word of text.split(' ')) {
        const next = line ? `${line} ${word}` : word;
        if (g.measureText(next).width > w && line) {
          g.fillText(line, x, ly);
          ly += lh;
          line = word;
        } else line = next;
      }
      g.fillText(line, x, ly);
    }
  }
  return out.toDataURL('image/png');
}
