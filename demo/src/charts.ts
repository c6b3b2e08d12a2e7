/**
 * A small canvas line chart for the training curves: x in epochs, a faint raw series, smoothed
 * lines and point markers, nice ticks, crisp on high-density screens, colours from CSS.
 */

export interface Point {
  x: number;
  y: number;
}

export interface Series {
  /** CSS custom property holding the colour, e.g. '--train'. */
  color: string;
  points: Point[];
  /** 'raw': thin and faint; 'line': the main line; 'markers': a line with dots on each point. */
  style: 'raw' | 'line' | 'markers';
}

export interface ChartOptions {
  /** Formats y tick labels. */
  format: (value: number) => string;
  /** Fixed bottom of the y axis, or 'zoom' to fit the later part of the curves. */
  yMin: number | 'zoom';
  /** Fixed top of the y axis, or 'fit' for the largest (non-raw) value. */
  yMax: number | 'fit';
}

const PAD = { left: 46, right: 12, top: 10, bottom: 26 };

function niceStep(range: number, target: number): number {
  const rough = range / Math.max(1, target);
  const power = 10 ** Math.floor(Math.log10(rough));
  const unit = rough / power;
  return (unit < 1.5 ? 1 : unit < 3 ? 2 : unit < 7 ? 5 : 10) * power;
}

export class LineChart {
  private series: Series[] = [];
  private xMax = 1;
  private frame = 0;
  private readonly resize: ResizeObserver;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly options: ChartOptions) {
    this.resize = new ResizeObserver(() => this.update());
    this.resize.observe(canvas);
  }

  /** Sets the curves and the x-axis length (epochs), and schedules a redraw. */
  set(series: Series[], xMax: number): void {
    this.series = series;
    this.xMax = Math.max(xMax, 1e-9);
    this.update();
  }

  /** Redraws on the next animation frame (at most once per frame). */
  update(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private range(): [number, number] {
    const { yMin, yMax } = this.options;
    const values: number[] = [];
    const later: number[] = [];
    for (const s of this.series) {
      if (s.style === 'raw') continue;
      for (const p of s.points) {
        if (!Number.isFinite(p.y)) continue;
        values.push(p.y);
        if (p.x >= 0.15 * this.xMax) later.push(p.y);
      }
    }
    let top = yMax === 'fit' ? (values.length ? Math.max(...values) * 1.05 : 2.5) : yMax;
    let bottom = 0;
    if (yMin === 'zoom') {
      const low = later.length ? Math.min(...later) : 0;
      bottom = Math.max(0, Math.min(top - 0.1, Math.floor((low - 0.02) * 10) / 10));
    } else bottom = yMin;
    if (!(top > bottom)) top = bottom + 1;
    return [bottom, top];
  }

  private draw(): void {
    const { canvas } = this;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (width === 0 || height === 0) return;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const g = canvas.getContext('2d');
    if (!g) return;
    const style = getComputedStyle(canvas);
    const css = (name: string) => style.getPropertyValue(name).trim() || '#888';
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);

    const [y0, y1] = this.range();
    const plotW = width - PAD.left - PAD.right;
    const plotH = height - PAD.top - PAD.bottom;
    const px = (x: number) => PAD.left + (x / this.xMax) * plotW;
    const py = (y: number) => PAD.top + (1 - (y - y0) / (y1 - y0)) * plotH;

    // grid and ticks
    g.font = `11px ${style.fontFamily}`;
    g.lineWidth = 1;
    g.strokeStyle = css('--grid');
    g.fillStyle = css('--muted');
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    const yStep = niceStep(y1 - y0, 4);
    for (let y = Math.ceil(y0 / yStep) * yStep; y <= y1 + 1e-9; y += yStep) {
      const at = Math.round(py(y)) + 0.5;
      g.beginPath();
      g.moveTo(PAD.left, at);
      g.lineTo(width - PAD.right, at);
      g.stroke();
      g.fillText(this.options.format(y), PAD.left - 6, at);
    }
    g.textAlign = 'center';
    g.textBaseline = 'top';
    const xStep = Math.max(1, niceStep(this.xMax, 6));
    for (let x = 0; x <= this.xMax + 1e-9; x += xStep) {
      const at = Math.round(px(x)) + 0.5;
      g.beginPath();
      g.moveTo(at, PAD.top);
      g.lineTo(at, PAD.top + plotH);
      g.stroke();
      g.fillText(String(Math.round(x)), at, PAD.top + plotH + 6);
    }
    g.textAlign = 'right';
    g.fillText('epoch', PAD.left - 10, PAD.top + plotH + 6);

    // curves, clipped to the plot
    g.save();
    g.beginPath();
    g.rect(PAD.left, PAD.top - 1, plotW, plotH + 2);
    g.clip();
    g.lineJoin = 'round';
    g.lineCap = 'round';
    for (const s of this.series) {
      const color = css(s.color);
      const points = s.points.filter((p) => Number.isFinite(p.y));
      if (points.length === 0) continue;
      // at most about two raw points per CSS pixel
      const stride = s.style === 'raw' ? Math.max(1, Math.floor(points.length / (plotW * 2))) : 1;
      g.strokeStyle = color;
      g.globalAlpha = s.style === 'raw' ? 0.16 : 1;
      g.lineWidth = s.style === 'raw' ? 1 : 2;
      g.beginPath();
      for (let i = 0; i < points.length; i += stride) {
        const p = points[i];
        if (i === 0) g.moveTo(px(p.x), py(p.y));
        else g.lineTo(px(p.x), py(p.y));
      }
      g.stroke();
      if (s.style === 'markers') {
        g.fillStyle = color;
        for (const p of points) {
          g.beginPath();
          g.arc(px(p.x), py(p.y), 3, 0, Math.PI * 2);
          g.fill();
        }
      }
    }
    g.restore();
    g.globalAlpha = 1;
  }
}
