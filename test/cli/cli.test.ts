/**
 * The `neuronine` command as a user gets it: the packed tarball installed into a scratch project
 * (offline, as test/package does), then `node_modules/.bin/neuronine` run as a child process:
 * train → evaluate → predict → summary → export on the bundled iris CSV and on a CSV with categorical
 * columns (test/fixtures/cli/churn.csv), regression on the bundled diabetes CSV, exit codes,
 * the one-line errors of the bad-input list (and that nothing is written to -o), plain
 * per-epoch output when stdout is not a terminal, --json, stdin/stdout with '-', the live
 * progress bar in a pseudo-terminal (script(1)), Ctrl-C saving the model, and bench --quick.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root, run, stagePackage } from '../package/stage.js';
import { maxAbsDiff, runOnnx } from '../interop/ort.js';
import { createModel } from '../../src/index.js';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

let work: string;
let app: string;
let bin: string;

function cli(args: string[], input?: string): Result {
  const result = spawnSync(bin, args, { cwd: app, input, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NEURONINE_DEBUG: '' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A usage or input mistake: the exit code, one line on stderr naming it, no stack trace, no stdout. */
function expectOneLineError(result: Result, status: 1 | 2, pattern: RegExp): void {
  expect(result.status, result.stderr).toBe(status);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^neuronine( [a-z]+)?: /);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

const parseCSVText = (text: string) => text.trimEnd().split('\n').map((line) => line.split(','));

beforeAll(async () => {
  const stage = await stagePackage();
  work = mkdtempSync(join(tmpdir(), 'neuronine-cli-'));
  const [pack] = JSON.parse(run(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', work], stage)) as { filename: string }[];
  app = join(work, 'app');
  run('mkdir', ['-p', app], work);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'cli-user', version: '1.0.0', private: true }));
  run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', join(work, pack.filename)], app);
  bin = join(app, 'node_modules/.bin/neuronine');
  for (const file of ['data/iris.csv', 'data/diabetes.csv', 'data/digits.csv', 'test/fixtures/cli/churn.csv']) {
    copyFileSync(join(root, file), join(app, file.split('/').at(-1)!));
  }
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('neuronine: help, version, usage errors', () => {
  it('is installed as a bin and prints its version and help', () => {
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules/neuronine/package.json'), 'utf8'));
    expect(manifest.bin).toEqual({ neuronine: './dist/cli.js' });
    const version = cli(['--version']);
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(manifest.version);
    const help = cli(['--help']);
    expect(help.status).toBe(0);
    for (const command of ['train', 'evaluate', 'predict', 'summary', 'export', 'bench']) expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    const none = cli([]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('Usage: neuronine <command>');
  });

  it('every command has --help with options and examples', () => {
    for (const command of ['train', 'evaluate', 'predict', 'summary', 'export', 'bench']) {
      const help = cli([command, '--help']);
      expect(help.status).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^neuronine ${command}`));
      expect(help.stdout).toContain('Options:');
      expect(help.stdout).toMatch(new RegExp(`Examples:\\n  neuronine ${command}\\b`));
    }
    expect(cli(['help', 'predict']).stdout).toBe(cli(['predict', '-h']).stdout);
    expect(cli(['train', '--help']).stdout).toMatch(/--early-stopping <patience>/);
  });

  it('unknown commands and flags are usage errors (exit 2) with a suggestion', () => {
    expectOneLineError(cli(['trian', 'iris.csv']), 2, /unknown command 'trian'; did you mean 'train'\?/);
    expectOneLineError(cli(['train', 'iris.csv', '--epoch', '3']), 2, /unknown option '--epoch'.*did you mean '--epochs'\?/);
    expectOneLineError(cli(['train', 'iris.csv', '--optimizer', 'adma']), 2, /--optimizer must be one of sgd, momentum, adam, .*; got 'adma'; did you mean 'adam'\?/);
    expectOneLineError(cli(['train', 'iris.csv', '--activation', 'rleu']), 2, /--activation must be one of linear, relu, .*; got 'rleu'; did you mean 'relu'\?/);
    expectOneLineError(cli(['predict', 'model.json']), 2, /<rows\.csv> is missing/);
    expectOneLineError(cli(['summary', 'a.json', 'b.json']), 2, /at most 1 argument/);
    expectOneLineError(cli(['train', 'iris.csv', '--lr']), 2, /'--lr' needs a value/);
  });

  it("the issue's bad inputs: one line each, exit 1 or 2, nothing written to -o", () => {
    const out = join(app, 'never.json');
    const cases: [string[], 1 | 2, RegExp][] = [
      [['train', 'missing.csv', '-o', out], 1, /missing\.csv: no such file/],
      [['train', 'iris.csv', '--target', 'specis', '-o', out], 1, /no column 'specis'; did you mean 'species'\?/],
      [['train', 'iris.csv', '-t', 'species', '--epochs', '0', '-o', out], 2, /--epochs needs an integer from 1/],
      [['train', 'iris.csv', '-t', 'species', '--layers', 'a,b', '-o', out], 2, /--layers needs comma-separated layer sizes.*'a' is not a size/],
      [['train', 'iris.csv', '-t', 'species', '--test-size', '1.5', '-o', out], 2, /--test-size needs a share between 0 and 1/],
      [['train', 'churn.csv', '-t', 'churned', '-o', out], 1, /"customer_id".*all distinct.*leave it out with --ignore customer_id, or keep it with --categorical customer_id/],
      [['train', 'iris.csv', '--target', 'species', '--ignore', 'petal_widht', '-o', out], 1, /--ignore: iris\.csv has no column 'petal_widht'; did you mean 'petal_width'\?/],
      [['train', 'diabetes.csv', '--optimizer', 'sgd', '--lr', '50', '--scale', 'none', '--epochs', '3', '-o', out], 1, /fit: .* at epoch 1, batch \d+ of \d+; .*--scale standard\) or lower --lr \(now 50\)/],
      [['evaluate', 'package.json', 'iris.csv'], 1, /model package\.json: loadModel: format is undefined; expected 'neuronine-model' \(is this a neuronine model\?\)/],
      [['predict', 'iris.csv', 'iris.csv', '-o', out], 1, /model iris\.csv: loadModel: the text is not valid JSON/],
    ];
    for (const [args, status, pattern] of cases) {
      expectOneLineError(cli(args), status, pattern);
      expect(existsSync(out), args.join(' ')).toBe(false);
    }
  });
});

describe('neuronine on the bundled iris CSV', () => {
  const epochs = 25;
  let trainRun: Result;

  beforeAll(() => {
    trainRun = cli(['train', 'iris.csv', '--target', 'species', '--epochs', String(epochs), '--lr', '0.01', '--seed', '1', '-o', 'iris-model.json']);
  });

  it('train: one plain line per epoch when stdout is not a terminal, held-out metrics, the model saved', () => {
    expect(trainRun.status, trainRun.stderr).toBe(0);
    expect(trainRun.stderr).toBe('');
    expect(trainRun.stdout).not.toMatch(/\r|\x1b\[/);
    const epochLines = trainRun.stdout.split('\n').filter((line) => /^epoch /.test(line));
    expect(epochLines).toHaveLength(epochs);
    expect(epochLines[0]).toMatch(/^epoch  1\/25  loss \d+\.\d{4}  accuracy \d\.\d{4}  [\d,]+ samples\/s$/);
    expect(trainRun.stdout).toContain("iris.csv: 150 rows, 4 features, target 'species' (classification, 3 classes)");
    expect(trainRun.stdout).toContain('split: 120 training, 0 validation, 30 held-out rows; seed 1');
    expect(trainRun.stdout).toMatch(/held-out \(30 rows\): loss [\d.]+  accuracy (0\.9|1\.0)\d*  precision [\d.]+  recall [\d.]+  F1 [\d.]+/);
    expect(trainRun.stdout).toMatch(/confusion matrix \(rows: true class, columns: predicted\):\n\s+setosa\s+versicolor\s+virginica\n\s+setosa\s+10\s+0\s+0\n/);
    expect(trainRun.stdout).toContain('saved iris-model.json');
    expect(JSON.parse(readFileSync(join(app, 'iris-model.json'), 'utf8')).format).toBe('neuronine-model');
  });

  it('train --json: the same run as one JSON object on stdout, nothing else', () => {
    const result = cli(['train', 'iris.csv', '--target', 'species', '--epochs', String(epochs), '--lr', '0.01', '--seed', '1', '--json']);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({ command: 'train', target: 'species', task: 'classification', classes: ['setosa', 'versicolor', 'virginica'],
      rows: { train: 120, validation: 0, test: 30 }, seed: 1, layers: '4-64-32-3', output: null, interrupted: false });
    expect(json.history.loss).toHaveLength(epochs);
    expect(json.history.stopReason).toBe('completed');
    expect(json.metrics.confusionMatrix.flat().reduce((a: number, b: number) => a + b, 0)).toBe(30);
    // the same seed gives the same run: the human output's figures are the JSON's
    const line = trainRun.stdout.split('\n').find((l) => l.startsWith('held-out'))!;
    expect(line).toContain(`accuracy ${json.metrics.accuracy.toFixed(4)}`);
    expect(line).toContain(`loss ${json.metrics.loss.toFixed(4)}`);
  });

  it('evaluate agrees with the predictions that predict writes', () => {
    const evaluation = cli(['evaluate', 'iris-model.json', 'iris.csv', '--json']);
    expect(evaluation.status, evaluation.stderr).toBe(0);
    const { metrics, rows } = JSON.parse(evaluation.stdout);
    expect(rows).toBe(150);
    const predicted = cli(['predict', 'iris-model.json', 'iris.csv']);
    expect(predicted.status, predicted.stderr).toBe(0);
    const [header, ...body] = parseCSVText(predicted.stdout);
    expect(header).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species', 'predicted_species',
      'probability_setosa', 'probability_versicolor', 'probability_virginica']);
    expect(body).toHaveLength(150);
    const source = parseCSVText(readFileSync(join(app, 'iris.csv'), 'utf8')).slice(1);
    let hits = 0;
    body.forEach((row, r) => {
      expect(row.slice(0, 5)).toEqual(source[r]);
      const p = row.slice(6).map(Number);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(row[5]).toBe(['setosa', 'versicolor', 'virginica'][p.indexOf(Math.max(...p))]);
      if (row[5] === row[4]) hits++;
    });
    expect(metrics.accuracy).toBeCloseTo(hits / 150, 10);
    expect(metrics.confusionMatrix.map((r: number[]) => r.reduce((a, b) => a + b, 0))).toEqual([50, 50, 50]);
    const human = cli(['evaluate', 'iris-model.json', 'iris.csv']);
    expect(human.stdout).toMatch(new RegExp(`^iris\\.csv \\(150 rows\\): loss ${metrics.loss.toFixed(4)}  accuracy ${metrics.accuracy.toFixed(4)}`));
  });

  it("predict: '-' reads stdin, -o writes a file, --json gives records", () => {
    const text = readFileSync(join(app, 'iris.csv'), 'utf8').split('\n').slice(0, 4).join('\n');
    const piped = cli(['predict', 'iris-model.json', '-'], text);
    expect(piped.status, piped.stderr).toBe(0);
    expect(parseCSVText(piped.stdout)).toHaveLength(4);
    expect(cli(['predict', 'iris-model.json', '-', '-o', 'out.csv'], text).stdout).toBe('');
    expect(readFileSync(join(app, 'out.csv'), 'utf8')).toBe(piped.stdout);
    const records = JSON.parse(cli(['predict', 'iris-model.json', '-', '--json'], text).stdout);
    expect(records).toHaveLength(3);
    expect(records[0]).toMatchObject({ species: 'setosa', sepal_length: '5.1' });
    expect(Object.keys(records[0])).toContain('probability_virginica');
  });

  it('summary: the layer table and the pipeline; --json', () => {
    const text = cli(['summary', 'iris-model.json']);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/layers\[0\]\s+dense\s+relu\s+\(None, 64\)\s+320\nlayers\[1\]\s+dense\s+relu\s+\(None, 32\)\s+2,080\nlayers\[2\]\s+dense\s+softmax\s+\(None, 3\)\s+99/);
    expect(text.stdout).toContain('Total params: 2,499');
    expect(text.stdout).toContain('Target: species (classification: setosa, versicolor, virginica)');
    const json = JSON.parse(cli(['summary', 'iris-model.json', '--json']).stdout);
    expect(json.totalParameters).toBe(2499);
    expect(json.layers.map((l: { parameters: number }) => l.parameters)).toEqual([320, 2080, 99]);
    expect(json.pipeline.scaler.kind).toBe('standard');
  });

  it('export: ONNX that onnxruntime runs with the probabilities predict writes; a TF.js folder', async () => {
    const onnx = cli(['export', 'iris-model.json', '--format', 'onnx', '-o', 'iris.onnx']);
    expect(onnx.status, onnx.stderr).toBe(0);
    expect(onnx.stdout).toMatch(/^wrote iris\.onnx: ONNX opset 13, [\d,]+ bytes; input 4 features/);
    // the scaler is in the graph: it takes the raw measurements
    const rows = parseCSVText(readFileSync(join(app, 'iris.csv'), 'utf8')).slice(1);
    const x = Float32Array.from(rows.flatMap((row) => row.slice(0, 4).map(Number)));
    const outputs = await runOnnx(readFileSync(join(app, 'iris.onnx')), x, [rows.length, 4]);
    const probabilities = Object.values(outputs).find((o) => o.dims.length === 2 && o.dims[1] === 3)!;
    const predicted = parseCSVText(cli(['predict', 'iris-model.json', 'iris.csv']).stdout).slice(1).flatMap((row) => row.slice(6).map(Number));
    expect(maxAbsDiff(probabilities.data as ArrayLike<number>, predicted)).toBeLessThan(1e-5);

    const tfjs = cli(['export', 'iris-model.json', '-f', 'tfjs', '-o', 'web_model']);
    expect(tfjs.status, tfjs.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(app, 'web_model/model.json'), 'utf8'));
    expect(manifest.modelTopology).toBeDefined();
    expect(manifest.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(readFileSync(join(app, 'web_model/weights.bin')).length).toBe(2499 * 4);

    expectOneLineError(cli(['export', 'iris-model.json', '-f', 'tfjs', '-o', '-']), 2, /--format tfjs writes a folder/);
    expectOneLineError(cli(['export', 'iris-model.json', '-o', 'model.bin']), 2, /export needs --format onnx or --format tfjs/);
    expectOneLineError(cli(['export', 'iris-model.json', '-f', 'onnx', '-o', 'x.onnx', '--opset', '9']), 2, /--opset needs an integer from 13 to 21/);
    expectOneLineError(cli(['export', 'package.json', '-f', 'onnx', '-o', 'x.onnx']), 1, /model package\.json: loadModel/);
    expect(existsSync(join(app, 'x.onnx'))).toBe(false);
  });

  it("train reads stdin with '-' and writes the model to stdout with -o -", () => {
    const result = cli(['train', '-', '-t', 'species', '--epochs', '2', '--seed', '3', '-o', '-'], readFileSync(join(app, 'iris.csv'), 'utf8'));
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).format).toBe('neuronine-model');
    expect(result.stderr).toContain("stdin: 150 rows");
    expectOneLineError(cli(['train', 'iris.csv', '-o', '-', '--json']), 2, /-o - and --json both want stdout/);
  });

  it('a model trained in code on arrays (no pipeline): summary shows it, evaluate and predict refuse it', async () => {
    const model = await createModel({ inputs: 4, layers: [{ units: 3, activation: 'softmax' }], seed: 1 });
    writeFileSync(join(app, 'bare.json'), JSON.stringify(model));
    const summary = cli(['summary', 'bare.json']);
    expect(summary.status).toBe(0);
    expect(summary.stdout).toContain('Pipeline: none');
    expectOneLineError(cli(['predict', 'bare.json', 'iris.csv']), 1, /model bare\.json: has no data pipeline \(it was trained on arrays in code\)/);
    expectOneLineError(cli(['evaluate', 'bare.json', 'iris.csv']), 1, /has no data pipeline/);
  });

  it('a CSV whose columns do not match the model is refused, naming the column', () => {
    expectOneLineError(cli(['evaluate', 'iris-model.json', 'diabetes.csv']), 1, /diabetes\.csv: Pipeline\.transform: rows: the CSV header has no column "sepal_length"/);
    writeFileSync(join(app, 'unlabelled.csv'), 'sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n');
    expectOneLineError(cli(['evaluate', 'iris-model.json', 'unlabelled.csv']), 1, /no target column 'species'/);
    writeFileSync(join(app, 'badlabel.csv'), 'sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,setosa\n\n5.1,3.5,1.4,0.2,rose\n');
    expectOneLineError(cli(['evaluate', 'iris-model.json', 'badlabel.csv']), 1, /row 4: unknown label "rose"/);
  });
});

describe('neuronine on a CSV with categorical columns, and on a regression CSV', () => {
  it('churn.csv: one-hot columns, ignored ID, train → evaluate → predict → summary', () => {
    const trained = cli(['train', 'churn.csv', '-t', 'churned', '--ignore', 'customer_id', '--layers', '16', '--epochs', '30',
      '--lr', '0.01', '--seed', '4', '-o', 'churn.json', '--json']);
    expect(trained.status, trained.stderr).toBe(0);
    const json = JSON.parse(trained.stdout);
    expect(json.features).toEqual(['region=east', 'region=north', 'region=south', 'region=west', 'plan=basic', 'plan=plus', 'plan=pro',
      'age', 'visits', 'support_calls']);
    expect(json.classes).toEqual(['no', 'yes']);
    expect(json.rows).toEqual({ train: 160, validation: 0, test: 40 });
    // stratified: the held-out rows keep the 115/85 class shares
    expect(json.metrics.perClass.support).toEqual([23, 17]);
    expect(json.metrics.accuracy).toBeGreaterThan(0.6);

    const evaluation = cli(['evaluate', 'churn.json', 'churn.csv']);
    expect(evaluation.status, evaluation.stderr).toBe(0);
    expect(evaluation.stdout).toMatch(/^churn\.csv \(200 rows\): loss [\d.]+  accuracy [\d.]+  precision/);

    const predicted = cli(['predict', 'churn.json', 'churn.csv']);
    const [header, first] = parseCSVText(predicted.stdout);
    expect(header.slice(-3)).toEqual(['predicted_churned', 'probability_no', 'probability_yes']);
    expect(first.slice(0, 7)).toEqual(['C1000', 'west', 'pro', '72', '29', '7', 'no']);

    const summary = cli(['summary', 'churn.json']);
    expect(summary.stdout).toContain('Pipeline: reads 5 columns (region, plan, age, visits, support_calls) into 10 features, standard scaling');

    writeFileSync(join(app, 'mars.csv'), 'region,plan,age,visits,support_calls\nnorth,pro,30,10,1\nmars,basic,40,2,5\n');
    expectOneLineError(cli(['predict', 'churn.json', 'mars.csv', '-o', 'mars-out.csv']), 1,
      /mars\.csv: Pipeline\.transform: row 3, column 1 \("region"\): unknown category "mars"; the pipeline knows "east", "north", "south", "west"/);
    expect(existsSync(join(app, 'mars-out.csv'))).toBe(false);
  });

  it('diabetes.csv: regression metrics and predicted values; early stopping', () => {
    const trained = cli(['train', 'diabetes.csv', '--epochs', '40', '--lr', '0.02', '--seed', '5', '--early-stopping', '3', '-o', 'diabetes.json', '--json']);
    expect(trained.status, trained.stderr).toBe(0);
    const json = JSON.parse(trained.stdout);
    expect(json.task).toBe('regression');
    expect(Object.keys(json.metrics).sort()).toEqual(['loss', 'mae', 'r2', 'rmse']);
    expect(json.rows.validation).toBeGreaterThan(0);
    expect(json.history.valLoss.length).toBe(json.history.epochs);
    expect(json.history.bestEpoch).toBeLessThan(json.history.epochs);
    // evaluate's figures are those of the values predict writes
    const predicted = parseCSVText(cli(['predict', 'diabetes.json', 'diabetes.csv']).stdout);
    expect(predicted[0].at(-1)).toBe('predicted_progression');
    const pairs = predicted.slice(1).map((row) => [Number(row.at(-2)), Number(row.at(-1))]);
    expect(pairs).toHaveLength(442);
    const mae = pairs.reduce((sum, [y, p]) => sum + Math.abs(p - y), 0) / pairs.length;
    const rmse = Math.sqrt(pairs.reduce((sum, [y, p]) => sum + (p - y) ** 2, 0) / pairs.length);
    const mean = pairs.reduce((sum, [y]) => sum + y, 0) / pairs.length;
    const r2 = 1 - pairs.reduce((sum, [y, p]) => sum + (p - y) ** 2, 0) / pairs.reduce((sum, [y]) => sum + (y - mean) ** 2, 0);
    const evaluation = JSON.parse(cli(['evaluate', 'diabetes.json', 'diabetes.csv', '--json']).stdout).metrics;
    expect(evaluation.mae).toBeCloseTo(mae, 3);
    expect(evaluation.rmse).toBeCloseTo(rmse, 3);
    expect(evaluation.r2).toBeCloseTo(r2, 5);
    expect(cli(['evaluate', 'diabetes.json', 'diabetes.csv']).stdout).toMatch(/MAE [\d.]+  RMSE [\d.]+  R² -?[\d.]+/);
  });
});

describe('neuronine on a terminal, Ctrl-C, bench', () => {
  it('draws a live progress bar in a pseudo-terminal (script)', () => {
    const command = `${bin} train iris.csv -t species --epochs 40 --seed 1 -o tty-model.json`;
    const result = spawnSync('script', ['-qfec', command, '/dev/null'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    expect(result.status, result.stdout).toBe(0);
    const out = result.stdout;
    // redrawn in place: carriage returns and erase-to-end-of-line, never one line per epoch
    expect(out).toMatch(/\repoch {1,2}\d+\/40  [█░]+  batch +\d+\/4  loss \d+\.\d{4}  accuracy \d\.\d{4}  [\d,]+ samples\/s  \d+:\d\d (left|total)\x1b\[K/);
    expect(out).toMatch(/\repoch 40\/40  █+  batch 4\/4 .* total\x1b\[K\r?\n/);
    expect(out).not.toMatch(/^epoch +1\/40  loss/m);
    expect(out).toContain('saved tty-model.json');
  });

  it('Ctrl-C stops after the current batch, still saves the model, exits 130', async () => {
    const child = spawn(bin, ['train', 'digits.csv', '--epochs', '1000000', '--seed', '2', '-o', 'interrupted.json'], { cwd: app });
    let stdout = '';
    let sent = false;
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => { stderr += chunk; });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (!sent && /^epoch +3\//m.test(stdout)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, `${stdout}\n${stderr}`).toBe(130);
    expect(stdout).toContain('stopping after the current batch');
    expect(stdout).toMatch(/interrupted after \d+ complete epochs/);
    expect(stdout).toMatch(/held-out \(359 rows\): loss/);
    expect(stdout).toContain('saved interrupted.json');
    const evaluation = cli(['evaluate', 'interrupted.json', 'digits.csv', '--json']);
    expect(evaluation.status).toBe(0);
    expect(JSON.parse(evaluation.stdout).metrics.accuracy).toBeGreaterThan(0.8);
  });

  it('bench --quick runs from the installed package and reports rates', () => {
    const result = cli(['bench', '--quick', '--json']);
    expect(result.status, result.stderr).toBe(0);
    const { results } = JSON.parse(result.stdout);
    expect(results.map((r: { case: string }) => r.case)).toEqual(['train 784-128-10, batch 64', 'train 784-128-10, batch 256',
      'train 784-512-256-10, batch 128', 'train 4-16-3, batch 16', 'predict 784-128-10']);
    for (const r of results) expect(r.rate).toBeGreaterThan(0);
  });
});
