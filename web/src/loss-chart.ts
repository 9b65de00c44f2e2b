/**
 * The live loss curves (uPlot): the training loss of every step and the validation loss of every
 * evaluation, against the step. The box has a fixed height and follows its container's width, so the
 * page does not move while points arrive; redraws are batched to one per animation frame.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const HEIGHT = 240;

export class LossChart {
  private readonly plot: uPlot;
  private steps: number[] = [];
  private train: (number | null)[] = [];
  private val: (number | null)[] = [];
  private pending = false;

  constructor(private readonly el: HTMLElement) {
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: HEIGHT,
      scales: { x: { time: false } },
      axes: [{ label: 'step' }, { label: 'loss (nats/char)' }],
      series: [
        { label: 'step' },
        { label: 'training', stroke: '#2563eb', width: 1.5, points: { show: false } },
        { label: 'validation', stroke: '#dc2626', width: 2, spanGaps: true, points: { show: true, size: 5 } },
      ],
      legend: { live: false },
    };
    this.plot = new uPlot(opts, [[], [], []], el);
    new ResizeObserver(() => this.plot.setSize({ width: Math.max(200, this.el.clientWidth), height: HEIGHT })).observe(el);
  }

  /** Empties the chart (a new run). */
  reset(): void {
    this.steps = [];
    this.train = [];
    this.val = [];
    this.redraw();
  }

  addTrain(step: number, loss: number): void {
    if (this.steps.length && step <= this.steps[this.steps.length - 1]) return;
    this.steps.push(step);
    this.train.push(loss);
    this.val.push(null);
    this.redraw();
  }

  addVal(step: number, loss: number): void {
    const i = this.steps.lastIndexOf(step);
    if (i >= 0) this.val[i] = loss;
    else {
      this.steps.push(step);
      this.train.push(null);
      this.val.push(loss);
    }
    this.redraw();
  }

  private redraw(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.plot.setData([this.steps, this.train, this.val]);
    });
  }
}
