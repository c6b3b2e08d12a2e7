/**
 * The demo page: settings, live curves, confusion matrix, sample predictions and the drawing
 * pad. All training happens in worker.ts; this thread only draws.
 */
import './style.css';
import { LineChart, type Point } from './charts.ts';
import { DATA_FILE, PIXELS, SIDE } from './format.ts';
import { toMnist } from './preprocess.ts';
import type { BatchItem, Evaluation, FromWorker, SampleItem, ToWorker, TrainConfig, ValidationPoint } from './protocol.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`demo: #${id} is missing from index.html`);
  return element as T;
};

const form = $<HTMLFormElement>('settings');
const fields = {
  hidden: $<HTMLInputElement>('hidden'),
  activation: $<HTMLSelectElement>('activation'),
  optimizer: $<HTMLSelectElement>('optimizer'),
  learningRate: $<HTMLInputElement>('learning-rate'),
  batchSize: $<HTMLInputElement>('batch-size'),
  epochs: $<HTMLInputElement>('epochs'),
};
const settingsError = $('settings-error');
const trainButton = $<HTMLButtonElement>('train');
const stopButton = $<HTMLButtonElement>('stop');
const statusLine = $('status');
const progress = $<HTMLProgressElement>('progress');
const stats = {
  testAccuracy: $('stat-test-accuracy'),
  trainAccuracy: $('stat-train-accuracy'),
  epoch: $('stat-epoch'),
  speed: $('stat-speed'),
  time: $('stat-time'),
  parameters: $('stat-parameters'),
  threads: $('stat-threads'),
  frame: $('stat-frame'),
};
const threadsNote = $('threads-note');
const lossCanvas = $<HTMLCanvasElement>('loss-chart');
const accuracyCanvas = $<HTMLCanvasElement>('accuracy-chart');
const lossNow = $('loss-now');
const accuracyNow = $('accuracy-now');
const pad = $<HTMLCanvasElement>('pad');
const seen = $<HTMLCanvasElement>('seen');
const guessDigit = $('guess-digit');
const guessText = $('guess-text');
const bars = $<HTMLOListElement>('bars');
const confusionTable = $<HTMLTableElement>('confusion');
const confusionSummary = $('confusion-summary');
const sampleGrid = $<HTMLUListElement>('sample-grid');
const samplesEmpty = $('samples-empty');
const mistakesLabel = $('view-mistakes-label');

const percent = (value: number, digits = 1) => `${(value * 100).toFixed(digits)}%`;
const integer = new Intl.NumberFormat('en');

// ---------------------------------------------------------------- worker

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'neuronine-trainer' });
const send = (message: ToWorker, transfer: Transferable[] = []) => worker.postMessage(message, transfer);
worker.onerror = (event) => {
  event.preventDefault();
  fail(`The training worker failed: ${event.message || 'unknown error'}`);
};

// ---------------------------------------------------------------- settings

const LEARNING_RATES: Partial<Record<TrainConfig['optimizer'], number>> = { adam: 0.001, momentum: 0.01, sgd: 0.1 };
let previousOptimizer = fields.optimizer.value as TrainConfig['optimizer'];
fields.optimizer.addEventListener('change', () => {
  // follow the optimizer's usual learning rate unless the user chose another one
  const next = fields.optimizer.value as TrainConfig['optimizer'];
  if (Number(fields.learningRate.value) === LEARNING_RATES[previousOptimizer]) fields.learningRate.value = String(LEARNING_RATES[next] ?? 0.001);
  previousOptimizer = next;
});

function readConfig(): TrainConfig | string {
  for (const input of Object.values(fields)) input.removeAttribute('aria-invalid');
  const bad = (input: HTMLInputElement, message: string) => {
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return message;
  };
  const text = fields.hidden.value.trim();
  const hidden = text === '' ? [] : text.split(/[\s,;]+/).filter(Boolean).map(Number);
  if (hidden.some((units) => !Number.isInteger(units) || units < 1 || units > 4096)) {
    return bad(fields.hidden, 'Hidden layers: give whole numbers from 1 to 4096, separated by commas, e.g. 256,128.');
  }
  if (hidden.length > 6) return bad(fields.hidden, 'Hidden layers: at most 6 layers.');
  const learningRate = Number(fields.learningRate.value);
  if (!(learningRate > 0 && learningRate <= 10)) return bad(fields.learningRate, 'Learning rate: a number above 0 and at most 10, e.g. 0.001.');
  const batchSize = Number(fields.batchSize.value);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 8000) return bad(fields.batchSize, 'Batch size: a whole number from 1 to 8000.');
  const epochs = Number(fields.epochs.value);
  if (!Number.isInteger(epochs) || epochs < 1 || epochs > 200) return bad(fields.epochs, 'Epochs: a whole number from 1 to 200.');
  return {
    hidden,
    activation: fields.activation.value as TrainConfig['activation'],
    optimizer: fields.optimizer.value as TrainConfig['optimizer'],
    learningRate, batchSize, epochs, seed: 42,
  };
}

// ---------------------------------------------------------------- run state and curves

interface Run {
  config: TrainConfig;
  batchesPerEpoch: number;
  started: number;
  lossRaw: Point[];
  lossSmooth: Point[];
  accuracySmooth: Point[];
  testLoss: Point[];
  testAccuracy: Point[];
  emaLoss: number;
  emaAccuracy: number;
  emaWeight: number;
  steps: number;
  /** Rows trained so far, and the rows of an epoch. */
  samples: number;
  trainRows: number;
  epochsDone: number;
}

let ready = false;
let run: Run | undefined;
let training = false;
const lossChart = new LineChart(lossCanvas, { format: (v) => v.toFixed(v < 1 ? 2 : 1), yMin: 0, yMax: 'fit' });
const accuracyChart = new LineChart(accuracyCanvas, { format: (v) => `${Math.round(v * 100)}%`, yMin: 'zoom', yMax: 1 });

function drawCurves(): void {
  const xMax = run ? run.config.epochs : 1;
  lossChart.set(run ? [
    { color: '--train', points: run.lossRaw, style: 'raw' },
    { color: '--train', points: run.lossSmooth, style: 'line' },
    { color: '--test', points: run.testLoss, style: 'markers' },
  ] : [], xMax);
  accuracyChart.set(run ? [
    { color: '--train', points: run.accuracySmooth, style: 'line' },
    { color: '--test', points: run.testAccuracy, style: 'markers' },
  ] : [], xMax);
  const lastLoss = run?.lossSmooth.at(-1);
  const lastTestLoss = run?.testLoss.at(-1);
  const lastAccuracy = run?.accuracySmooth.at(-1);
  const lastTestAccuracy = run?.testAccuracy.at(-1);
  lossNow.textContent = lastLoss ? `train ${lastLoss.y.toFixed(3)}${lastTestLoss ? ` · held-out ${lastTestLoss.y.toFixed(3)}` : ''}` : '';
  accuracyNow.textContent = lastAccuracy ? `train ${percent(lastAccuracy.y)}${lastTestAccuracy ? ` · held-out ${percent(lastTestAccuracy.y)}` : ''}` : '';
  lossCanvas.setAttribute('aria-label', lastLoss ? `Loss curve over ${xMax} epochs: training loss now ${lastLoss.y.toFixed(3)}${lastTestLoss ? `, held-out loss ${lastTestLoss.y.toFixed(3)}` : ''}` : 'Loss curve: no training yet');
  accuracyCanvas.setAttribute('aria-label', lastAccuracy ? `Accuracy curve over ${xMax} epochs: training accuracy now ${percent(lastAccuracy.y)}${lastTestAccuracy ? `, held-out accuracy ${percent(lastTestAccuracy.y)}` : ''}` : 'Accuracy curve: no training yet');
}

/** While a network trains, the curves are redrawn at most every CURVES_MS: each redraw costs the page a few ms of CPU that the training threads need. */
const CURVES_MS = 250;
let curvesAt = 0;
let curvesTimer = 0;
function drawCurvesSoon(): void {
  if (curvesTimer) return;
  const wait = training ? curvesAt + CURVES_MS - performance.now() : 0;
  if (wait <= 0) {
    curvesAt = performance.now();
    drawCurves();
    return;
  }
  curvesTimer = window.setTimeout(() => {
    curvesTimer = 0;
    curvesAt = performance.now();
    drawCurves();
  }, wait);
}

function setStatus(text: string, failed = false): void {
  statusLine.textContent = text;
  statusLine.classList.toggle('failed', failed);
}

function fail(message: string): void {
  console.error(`demo: ${message}`);
  setStatus(message, true);
}

function setTraining(on: boolean): void {
  training = on;
  trainButton.disabled = on || !ready;
  stopButton.disabled = !on;
  for (const input of Object.values(fields)) input.disabled = on;
  trainButton.textContent = on ? 'Training…' : run ? 'Train again' : 'Train';
  if (on) watchFrames();
}

// the longest frame while training: the page should never stutter. Where the browser reports
// long frames (Chromium's long-animation-frame entries: frames over 50 ms; else long tasks) the
// page listens for them; elsewhere it times the gaps between animation frames, which keeps the
// page producing a frame every vsync — CPU that the training threads need, on a small machine.
const LONG_FRAMES = (['long-animation-frame', 'longtask'] as const).find((type) => PerformanceObserver.supportedEntryTypes?.includes(type));
let frameGap = 0;
let frameWatch: PerformanceObserver | undefined;
function watchFrames(): void {
  frameGap = 0;
  frameWatch?.disconnect();
  if (LONG_FRAMES) {
    stats.frame.textContent = '< 50 ms';
    frameWatch = new PerformanceObserver((list) => {
      if (!training) return;
      for (const entry of list.getEntries()) frameGap = Math.max(frameGap, entry.duration);
      stats.frame.textContent = `${Math.round(frameGap)} ms`;
    });
    frameWatch.observe({ type: LONG_FRAMES });
    return;
  }
  let last = performance.now();
  let shown = '';
  const tick = (t: number) => {
    if (document.visibilityState === 'visible') frameGap = Math.max(frameGap, t - last);
    last = t;
    const text = `${Math.round(frameGap)} ms`;
    if (text !== shown) stats.frame.textContent = shown = text;
    if (training) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (training || !ready) return;
  const config = readConfig();
  if (typeof config === 'string') {
    settingsError.textContent = config;
    settingsError.hidden = false;
    return;
  }
  settingsError.hidden = true;
  run = {
    config, batchesPerEpoch: 1, started: performance.now(),
    lossRaw: [], lossSmooth: [], accuracySmooth: [], testLoss: [], testAccuracy: [],
    emaLoss: 0, emaAccuracy: 0, emaWeight: 0, steps: 0, samples: 0, trainRows: 0, epochsDone: 0,
  };
  progress.value = 0;
  stats.testAccuracy.textContent = '—';
  stats.testAccuracy.dataset.value = '';
  stats.trainAccuracy.textContent = '—';
  stats.epoch.textContent = `0 / ${config.epochs}`;
  stats.speed.textContent = '—';
  stats.time.textContent = '0.0 s';
  drawCurves();
  setTraining(true);
  setStatus('Building the network…');
  send({ type: 'train', config });
});

stopButton.addEventListener('click', () => {
  stopButton.disabled = true;
  setStatus('Stopping after the current batch…');
  send({ type: 'stop' });
});

// ---------------------------------------------------------------- messages from the worker

let lastPadPoll = 0;

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const message = event.data;
  switch (message.type) {
    case 'loading': {
      const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
      setStatus(`Loading 10,000 MNIST digits… ${mb(message.loaded)}${message.total ? ` of ${mb(message.total)}` : ''} MB`);
      if (message.total) progress.value = message.loaded / message.total;
      break;
    }
    case 'ready':
      ready = true;
      progress.value = 0;
      trainButton.disabled = training;
      setStatus(`${integer.format(message.train + message.test)} digits ready: ${integer.format(message.train)} to train on, ${integer.format(message.test)} held out. Press Train.`);
      confusionSummary.textContent = `${integer.format(message.test)} held-out digits`;
      break;
    case 'started':
      if (!run) break;
      run.batchesPerEpoch = message.batchesPerEpoch;
      run.trainRows = message.trainRows;
      run.started = performance.now();
      stats.parameters.textContent = integer.format(message.parameters);
      stats.threads.textContent = String(message.threads);
      stats.threads.dataset.value = String(message.threads);
      // why the model got one thread (the page is not cross-origin isolated, say), as the library words it
      threadsNote.textContent = message.threadsNote ? `Threads: ${message.threadsNote}.` : '';
      threadsNote.hidden = !message.threadsNote;
      setStatus(`Training ${describe(message.config)} on ${integer.format(message.trainRows)} digits…`);
      break;
    case 'progress':
      if (!run) break;
      if (message.batches.length > 0) showBatches(run, message.batches, message.samplesPerSecond);
      for (const point of message.validation) showValidation(run, point);
      for (const epoch of message.epochs) run.epochsDone = epoch.epoch + 1;
      if (message.evaluation) {
        renderConfusion(message.evaluation.confusion);
        lastEvaluation = message.evaluation;
        renderSamples();
      }
      drawCurvesSoon();
      break;
    case 'done': {
      const r = run;
      setTraining(false);
      if (!r) break;
      drawCurvesSoon();
      stats.time.textContent = `${message.seconds.toFixed(1)} s`;
      // the whole run's rate: every row trained over the run's wall-clock time
      if (message.seconds > 0 && r.samples > 0) stats.speed.textContent = integer.format(Math.round(r.samples / message.seconds));
      const accuracy = r.testAccuracy.at(-1);
      const summary = `${message.epochs} epoch${message.epochs === 1 ? '' : 's'} in ${message.seconds.toFixed(1)} s${accuracy && accuracy.x > 0 ? `: ${percent(accuracy.y)} of the held-out digits right` : ''}`;
      if (message.stopReason === 'completed') {
        progress.value = 1;
        setStatus(`Done — ${summary}. Draw a digit below to try it.`);
      } else if (!statusLine.classList.contains('failed')) {
        const batches = `${integer.format(r.steps)} batch${r.steps === 1 ? '' : 'es'}`;
        setStatus(`Stopped after ${batches} (${summary}). Draw a digit below to try this network.`);
      }
      if (hasInk) requestPrediction();
      break;
    }
    case 'prediction':
      if (message.id === predictionId) showPrediction(message.probabilities);
      break;
    case 'error':
      fail(message.message);
      break;
  }
};

function showBatches(r: Run, items: BatchItem[], samplesPerSecond: number): void {
  // exponential moving average, bias-corrected, over about 1/25 of an epoch
  const span = Math.max(4, r.batchesPerEpoch / 25);
  const keep = 1 - 1 / span;
  for (const item of items) {
    r.samples += Math.min(r.config.batchSize, r.trainRows - item.batch * r.config.batchSize);
    r.steps++;
    if (!Number.isFinite(item.loss) || !Number.isFinite(item.accuracy)) continue;
    const x = item.epoch + (item.batch + 1) / r.batchesPerEpoch;
    r.emaLoss = keep * r.emaLoss + (1 - keep) * item.loss;
    r.emaAccuracy = keep * r.emaAccuracy + (1 - keep) * item.accuracy;
    r.emaWeight = keep * r.emaWeight + (1 - keep);
    r.lossRaw.push({ x, y: item.loss });
    r.lossSmooth.push({ x, y: r.emaLoss / r.emaWeight });
    r.accuracySmooth.push({ x, y: r.emaAccuracy / r.emaWeight });
  }
  const last = items[items.length - 1];
  progress.value = r.steps / (r.batchesPerEpoch * r.config.epochs);
  stats.epoch.textContent = `${last.epoch + 1} / ${r.config.epochs}`;
  stats.trainAccuracy.textContent = percent(r.emaAccuracy / r.emaWeight);
  stats.speed.textContent = integer.format(Math.round(samplesPerSecond));
  stats.time.textContent = `${((performance.now() - r.started) / 1000).toFixed(1)} s`;
  setStatus(`Epoch ${last.epoch + 1} of ${r.config.epochs} · batch ${integer.format(last.batch + 1)} of ${integer.format(r.batchesPerEpoch)}`);
  // watch the drawn digit's probabilities move as the network learns
  if (hasInk && performance.now() - lastPadPoll > 200) {
    lastPadPoll = performance.now();
    requestPrediction();
  }
}

function showValidation(r: Run, point: ValidationPoint): void {
  r.testLoss.push({ x: point.at, y: point.loss });
  r.testAccuracy.push({ x: point.at, y: point.accuracy });
  if (point.at > 0) {
    stats.testAccuracy.textContent = percent(point.accuracy);
    stats.testAccuracy.dataset.value = String(point.accuracy);
  }
}

function describe(config: TrainConfig): string {
  const shape = [PIXELS, ...config.hidden, 10].join('→');
  return `a ${shape} network (${config.activation}, ${config.optimizer} at ${config.learningRate}, batches of ${config.batchSize})`;
}

// ---------------------------------------------------------------- confusion matrix

function renderConfusion(counts: number[] | null): void {
  const head = `<thead><tr><th scope="col" class="corner"><span aria-hidden="true">true ↓<br>said →</span><span class="visually-hidden">True digit by answer</span></th>${
    Array.from({ length: 10 }, (_, c) => `<th scope="col">${c}</th>`).join('')}</tr></thead>`;
  const rows: string[] = [];
  for (let t = 0; t < 10; t++) {
    const rowTotal = counts ? counts.slice(t * 10, t * 10 + 10).reduce((a, b) => a + b, 0) : 0;
    const cells: string[] = [];
    for (let p = 0; p < 10; p++) {
      const n = counts ? counts[t * 10 + p] : 0;
      const share = rowTotal ? n / rowTotal : 0;
      // the diagonal shaded by recall; mistakes on a stronger scale so that a few stand out
      const alpha = t === p ? 0.15 + 0.85 * share : Math.min(1, share * 6);
      const classes = [t === p ? 'right' : 'wrong', n === 0 ? 'zero' : '', alpha > 0.6 ? 'strong' : ''].filter(Boolean).join(' ');
      const title = `true ${t}, answered ${p}: ${n}${rowTotal ? ` (${percent(share)} of the ${t}s)` : ''}`;
      cells.push(`<td class="${classes}" style="--a:${counts ? alpha.toFixed(3) : 0}" title="${title}">${counts ? n : ''}</td>`);
    }
    rows.push(`<tr><th scope="row">${t}</th>${cells.join('')}</tr>`);
  }
  confusionTable.innerHTML = `<caption class="visually-hidden">Confusion matrix of the held-out digits: rows are the true digit, columns the network's answer</caption>${head}<tbody>${rows.join('')}</tbody>`;
}

// ---------------------------------------------------------------- sample predictions

let lastEvaluation: Evaluation | undefined;
document.querySelectorAll<HTMLInputElement>('input[name="sample-view"]').forEach((input) => input.addEventListener('change', renderSamples));

function paintDigit(canvas: HTMLCanvasElement, values: ArrayLike<number>, scale: number): void {
  const g = canvas.getContext('2d');
  if (!g) return;
  const image = g.createImageData(SIDE, SIDE);
  for (let i = 0; i < PIXELS; i++) {
    const v = Math.round(values[i] * scale);
    image.data[i * 4] = v;
    image.data[i * 4 + 1] = v;
    image.data[i * 4 + 2] = v;
    image.data[i * 4 + 3] = 255;
  }
  g.putImageData(image, 0, 0);
}

/**
 * One reusable tile of the sample grid. The digit is an <img> (a PNG made on one scratch canvas),
 * not a canvas of its own: 48 canvases in the page made every frame push 48 canvas resources to
 * the compositor, CPU that the training threads need.
 */
interface Tile {
  li: HTMLLIElement;
  image: HTMLImageElement;
  answer: HTMLSpanElement;
  truth: HTMLSpanElement;
}
const tiles: Tile[] = [];
const scratch = Object.assign(document.createElement('canvas'), { width: SIDE, height: SIDE });

function tile(i: number): Tile {
  while (tiles.length <= i) {
    const li = document.createElement('li');
    const image = document.createElement('img');
    image.width = SIDE;
    image.height = SIDE;
    image.alt = '';
    const answer = document.createElement('span');
    answer.className = 'answer';
    const truth = document.createElement('span');
    truth.className = 'truth';
    li.append(image, answer, truth);
    tiles.push({ li, image, answer, truth });
  }
  return tiles[i];
}

function renderSamples(): void {
  const evaluation = lastEvaluation;
  if (!evaluation) return;
  const mistakes = (document.getElementById('view-mistakes') as HTMLInputElement).checked;
  mistakesLabel.textContent = `Mistakes (${integer.format(evaluation.mistakeCount)})`;
  const items: SampleItem[] = mistakes ? evaluation.mistakes : evaluation.samples;
  const shown = items.map((item, i) => {
    const { li, image, answer, truth } = tile(i);
    const wrong = item.predicted !== item.label;
    li.className = wrong ? 'sample wrong' : 'sample';
    li.setAttribute('aria-label', wrong
      ? `Wrong: answered ${item.predicted} (${percent(item.confidence, 0)} sure), the digit is a ${item.label}`
      : `Right: ${item.predicted} (${percent(item.confidence, 0)} sure)`);
    li.title = `held-out digit #${item.index}: answered ${item.predicted} with ${percent(item.confidence)}`;
    paintDigit(scratch, item.image, 1);
    image.src = scratch.toDataURL();
    answer.textContent = wrong ? `${item.predicted} ✗` : String(item.predicted);
    truth.textContent = wrong ? `is ${item.label}` : '';
    return li;
  });
  sampleGrid.replaceChildren(...shown);
  samplesEmpty.hidden = items.length > 0;
  if (items.length === 0) samplesEmpty.textContent = 'No mistakes on the held-out digits.';
}

// ---------------------------------------------------------------- drawing pad

const barItems = Array.from({ length: 10 }, (_, digit) => {
  const li = document.createElement('li');
  li.className = 'bar';
  li.innerHTML = `<span class="digit" aria-hidden="true">${digit}</span><span class="track" aria-hidden="true"><span class="fill"></span></span><span class="value">—</span>`;
  li.setAttribute('aria-label', `${digit}: no answer yet`);
  bars.append(li);
  return {
    li,
    fill: li.querySelector<HTMLElement>('.fill')!,
    value: li.querySelector<HTMLElement>('.value')!,
  };
});

const g = pad.getContext('2d', { willReadFrequently: true })!;
const LINE_WIDTH = 22;
let hasInk = false;
let drawing = false;
let lastPoint: { x: number; y: number } | undefined;
let predictionId = 0;
let predictionFrame = 0;

function padPoint(event: PointerEvent): { x: number; y: number } {
  const box = pad.getBoundingClientRect();
  // the border is part of the box: map the content area onto the 280 × 280 canvas
  const border = pad.clientLeft;
  const inner = box.width - 2 * border;
  return {
    x: ((event.clientX - box.left - border) / inner) * pad.width,
    y: ((event.clientY - box.top - pad.clientTop) / (box.height - 2 * pad.clientTop)) * pad.height,
  };
}

function stroke(from: { x: number; y: number }, to: { x: number; y: number }): void {
  g.strokeStyle = getComputedStyle(pad).getPropertyValue('--ink').trim() || '#111';
  g.lineWidth = LINE_WIDTH;
  g.lineCap = 'round';
  g.lineJoin = 'round';
  g.beginPath();
  g.moveTo(from.x, from.y);
  g.lineTo(to.x, to.y);
  g.stroke();
}

pad.addEventListener('pointerdown', (event) => {
  if (event.button !== 0) return;
  event.preventDefault();
  pad.setPointerCapture(event.pointerId);
  drawing = true;
  lastPoint = padPoint(event);
  stroke(lastPoint, lastPoint);
  hasInk = true;
  schedulePrediction();
});

pad.addEventListener('pointermove', (event) => {
  if (!drawing || !lastPoint) return;
  const events = typeof event.getCoalescedEvents === 'function' ? event.getCoalescedEvents() : [];
  for (const e of events.length ? events : [event]) {
    const point = padPoint(e);
    stroke(lastPoint, point);
    lastPoint = point;
  }
  schedulePrediction();
});

const endStroke = () => {
  if (!drawing) return;
  drawing = false;
  lastPoint = undefined;
  schedulePrediction();
};
pad.addEventListener('pointerup', endStroke);
pad.addEventListener('pointercancel', endStroke);

$('clear').addEventListener('click', () => {
  g.clearRect(0, 0, pad.width, pad.height);
  hasInk = false;
  predictionId++;
  paintDigit(seen, new Float32Array(PIXELS), 255);
  showPrediction(null, 'Draw a digit in the box.');
});

function schedulePrediction(): void {
  if (predictionFrame) return;
  predictionFrame = requestAnimationFrame(() => {
    predictionFrame = 0;
    requestPrediction();
  });
}

/** Downscales the drawing like MNIST, shows it, and asks the worker's current model. */
function requestPrediction(): void {
  const { data } = g.getImageData(0, 0, pad.width, pad.height);
  const ink = new Float32Array(pad.width * pad.height);
  for (let i = 0; i < ink.length; i++) ink[i] = data[i * 4 + 3] / 255;
  const pixels = toMnist(ink, pad.width, pad.height);
  if (!pixels) return;
  paintDigit(seen, pixels, 255);
  send({ type: 'predict', id: ++predictionId, pixels }, [pixels.buffer]);
}

function showPrediction(probabilities: number[] | null, note?: string): void {
  if (!probabilities) {
    guessDigit.textContent = '?';
    guessText.textContent = note ?? (ready ? 'Train a network first: press Train.' : 'The digits are still loading…');
    bars.dataset.sum = '';
    for (const [digit, bar] of barItems.entries()) {
      bar.fill.style.width = '0';
      bar.value.textContent = '—';
      bar.li.classList.remove('top');
      bar.li.dataset.p = '';
      bar.li.setAttribute('aria-label', `${digit}: no answer yet`);
    }
    return;
  }
  let best = 0;
  for (let d = 1; d < 10; d++) if (probabilities[d] > probabilities[best]) best = d;
  guessDigit.textContent = String(best);
  const p = probabilities[best];
  guessText.textContent = `${p > 0.9 ? 'Sure it is' : p > 0.6 ? 'Probably' : 'Maybe'} a ${best} (${percent(p)})${training ? ' — still learning' : ''}`;
  bars.dataset.sum = String(probabilities.reduce((a, b) => a + b, 0));
  for (const [digit, bar] of barItems.entries()) {
    const value = probabilities[digit];
    bar.fill.style.width = `${(value * 100).toFixed(2)}%`;
    bar.value.textContent = percent(value);
    bar.li.classList.toggle('top', digit === best);
    bar.li.dataset.p = String(value);
    bar.li.setAttribute('aria-label', `${digit}: ${percent(value)}`);
  }
}

// ---------------------------------------------------------------- start

renderConfusion(null);
paintDigit(seen, new Float32Array(PIXELS), 255);
drawCurves();
send({ type: 'init', dataUrl: new URL(DATA_FILE, document.baseURI).href });
