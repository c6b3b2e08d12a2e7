/**
 * Training progress for `neuronine train`, fed by fit's `onBatchEnd` and `onEpochEnd`:
 * - on a terminal, one live line redrawn in place at most ten times a second: epoch, a bar over
 *   the whole run, batch, running loss and accuracy of the epoch, the last validation figures,
 *   samples/s and the time left;
 * - elsewhere (a pipe, a file, CI logs), one plain line per epoch, nothing redrawn.
 *
 * Our own ~100 lines rather than a package such as cli-progress: the package has no runtime
 * dependencies and a CLI dependency would be installed for every library user; what is needed
 * is one line rewritten with `\r` and "erase to end of line" (ANSI `ESC[K`, which every terminal
 * Node supports understands), fitted to the terminal's width.
 */
import type { BatchLogs, EpochLogs } from '../index.js';
import type { Reporter } from './io.js';

const REDRAW_MS = 100;

/** Seconds as `m:ss` or `h:mm:ss`. */
export function clock(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

/** An integer with thousands separators. */
export const grouped = (x: number): string => Math.round(x).toLocaleString('en-US');

/** A figure with 4 decimals (or exponent form when tiny or huge). */
export const figure = (x: number): string => (Math.abs(x) >= 1e5 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(3) : x.toFixed(4));

export interface ProgressOptions {
  epochs: number;
  /** Training rows per epoch (after any validation split). */
  rows: number;
  batchSize: number;
  reporter: Reporter;
  /** Draw or print anything at all (false with --quiet, or --json when stderr is not a terminal). */
  enabled: boolean;
}

export class TrainingProgress {
  private readonly batches: number;
  private readonly width: number;
  private readonly started = performance.now();
  private lastDraw = -Infinity;
  private epoch = 0;
  private batch = 0;
  private lossSum = 0;
  private hits = 0;
  private seen = 0;
  private samples = 0;
  private last: EpochLogs | undefined;
  private drawn = false;

  constructor(private readonly options: ProgressOptions) {
    this.batches = Math.max(1, Math.ceil(options.rows / options.batchSize));
    this.width = String(options.epochs).length;
  }

  /** Whether the live bar is drawn (a terminal); otherwise one line per epoch. */
  get live(): boolean {
    return this.options.enabled && this.options.reporter.tty;
  }

  readonly onBatchEnd = (batch: number, logs: BatchLogs): void => {
    if (batch === 0) {
      this.lossSum = 0;
      this.hits = 0;
      this.seen = 0;
    }
    this.epoch = logs.epoch;
    this.batch = batch + 1;
    this.lossSum += logs.loss * logs.size;
    if (logs.accuracy !== undefined) this.hits += logs.accuracy * logs.size;
    this.seen += logs.size;
    this.samples += logs.size;
    if (this.live && performance.now() - this.lastDraw >= REDRAW_MS) this.draw();
  };

  readonly onEpochEnd = (epoch: number, logs: EpochLogs): void => {
    this.last = logs;
    if (!this.options.enabled) return;
    if (this.live) {
      if (performance.now() - this.lastDraw >= REDRAW_MS) this.draw();
      return;
    }
    const parts = [`epoch ${String(epoch + 1).padStart(this.width)}/${this.options.epochs}`, `loss ${figure(logs.loss)}`];
    if (logs.accuracy !== undefined) parts.push(`accuracy ${figure(logs.accuracy)}`);
    if (logs.valLoss !== undefined) parts.push(`val loss ${figure(logs.valLoss)}`);
    if (logs.valAccuracy !== undefined) parts.push(`val accuracy ${figure(logs.valAccuracy)}`);
    parts.push(`${grouped(logs.samplesPerSecond)} samples/s`);
    this.options.reporter.line(parts.join('  '));
  };

  /** Ends the live line (a last redraw, then a newline). */
  finish(): void {
    if (!this.live || !this.drawn) return;
    this.draw();
    this.options.reporter.stream.write('\n');
  }

  /** Writes a message on its own line above the live bar. */
  note(text: string): void {
    if (this.live && this.drawn) this.options.reporter.stream.write('\r\x1b[K');
    this.options.reporter.line(text);
    if (this.live && this.drawn) this.draw();
  }

  private draw(): void {
    const now = performance.now();
    this.lastDraw = now;
    this.drawn = true;
    const { epochs, rows } = this.options;
    const elapsed = (now - this.started) / 1000;
    const total = epochs * rows;
    const rate = this.samples / Math.max(elapsed, 1e-9);
    const left = rate > 0 ? (total - this.samples) / rate : NaN;
    const done = total > 0 ? this.samples / total : 1;
    const columns = this.options.reporter.stream.columns || 100;
    // pieces in priority order; the lowest ones are dropped to fit the terminal
    const pieces: [number, string][] = [
      [0, `epoch ${String(this.epoch + 1).padStart(this.width)}/${epochs}`],
      [6, `batch ${String(this.batch).padStart(String(this.batches).length)}/${this.batches}`],
      [1, `loss ${figure(this.lossSum / Math.max(this.seen, 1))}`],
    ];
    if (this.last?.accuracy !== undefined || this.hits > 0) pieces.push([2, `accuracy ${figure(this.hits / Math.max(this.seen, 1))}`]);
    if (this.last?.valLoss !== undefined) pieces.push([5, `val loss ${figure(this.last.valLoss)}`]);
    if (this.last?.valAccuracy !== undefined) pieces.push([5, `val accuracy ${figure(this.last.valAccuracy)}`]);
    pieces.push([4, `${grouped(rate)} samples/s`]);
    pieces.push([3, this.samples >= total ? `${clock(elapsed)} total` : `${clock(left)} left`]);
    let shown = pieces;
    const render = (barWidth: number) => {
      const filled = Math.round(done * barWidth);
      const bar = barWidth > 0 ? `${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}` : '';
      const [first, ...rest] = shown.map(([, text]) => text);
      return [first, ...(bar ? [bar] : []), ...rest].join('  ');
    };
    let line = render(Math.min(30, Math.max(10, columns - render(0).length - 3)));
    while (line.length >= columns && shown.length > 1) {
      const drop = shown.reduce((worst, piece, i) => (piece[0] > shown[worst][0] ? i : worst), 0);
      shown = shown.filter((_, i) => i !== drop);
      line = render(Math.min(30, Math.max(0, columns - render(0).length - 3)));
    }
    this.options.reporter.stream.write(`\r${line.slice(0, columns - 1)}\x1b[K`);
  }
}
