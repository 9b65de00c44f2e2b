/**
 * The forecast plot (plot-spec.ts) as SVG text, rendered by Vega in Node (renderer 'none': no DOM, no
 * canvas). Vega and Vega-Lite are loaded on first use, so the CLI starts without them.
 *
 * @example
 *   const svg = await forecastPlotSvg({ series, ahead: task.forecastAhead(14), backtest });
 */
import { forecastPlotSpec, type PlotInput } from './plot-spec.js';

/** The plot as SVG text. */
export async function forecastPlotSvg(input: PlotInput): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const { spec } = vl.compile(forecastPlotSpec(input) as never);
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
