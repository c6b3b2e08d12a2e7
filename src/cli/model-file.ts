/**
 * Saved models and labelled rows for the commands that read a model: the model file through
 * `loadModel` (which checks every field), its data pipeline (needed to read CSV rows), and a
 * CSV's rows encoded by that pipeline — features through `pipeline.transform` (columns matched
 * by name; errors name the spreadsheet row and column) and, when the CSV has them, the target
 * values through `pipeline.encodeTarget`.
 */
import { loadModel, parseCSVTable, Pipeline, type CSVTable, type Matrix, type Model } from '../index.js';
import { CLIError } from './args.js';
import { readText } from './io.js';

/** Reads and checks a saved model. */
export async function readModel(path: string): Promise<Model> {
  const text = await readText(path, 'model');
  const source = path === '-' ? 'stdin' : path;
  if (text.trim() === '') throw new CLIError(`model ${source}: the file is empty`);
  try {
    return await loadModel(text);
  } catch (error) {
    throw new CLIError(`model ${source}: ${(error as Error).message}`);
  }
}

/** The model's data pipeline, or an error saying why CSV rows cannot be read without one. */
export function pipelineOf(model: Model, path: string): Pipeline {
  if (!(model.pipeline instanceof Pipeline)) {
    throw new CLIError(`model ${path}: has no data pipeline (it was trained on arrays in code), so it cannot read CSV columns; `
      + "train it with 'neuronine train', or in code on a data set from loadCSV");
  }
  return model.pipeline;
}

export interface Rows {
  /** The CSV as read (cells as text), for passing rows through to an output. */
  table: CSVTable;
  /** Encoded (and scaled) features. */
  x: Matrix;
  /** Encoded targets, when the CSV has the target column(s). */
  y?: Int32Array | Matrix;
}

/** CSV text encoded by a model's pipeline; `needTarget` makes a missing target column an error. */
export function encodeRows(pipeline: Pipeline, text: string, source: string, needTarget: boolean): Rows {
  try {
    const table = parseCSVTable(text);
    const x = pipeline.transform(text);
    const targets = pipeline.target.columns;
    const positions = targets.map((name) => table.columns.indexOf(name));
    const absent = positions.findIndex((p) => p < 0);
    if (absent >= 0) {
      if (!needTarget) return { table, x };
      throw new CLIError(`${source}: no target column '${targets[absent]}' (the model predicts ${targets.map((t) => `'${t}'`).join(', ')}); `
        + `evaluate needs labelled rows (columns: ${table.columns.join(', ')})`);
    }
    const values = table.rows.map((row) => (positions.length === 1 ? row[positions[0]] : positions.map((p) => row[p])));
    let y: Int32Array | Matrix;
    try {
      y = pipeline.encodeTarget(values);
    } catch (error) {
      // encodeTarget counts rows from 1 over the data rows; say the spreadsheet row instead
      const row = (error as { row?: number }).row;
      const message = (error as Error).message;
      throw new CLIError(row === undefined ? message : message.replace(/row \d+ \(index \d+\)/, `row ${table.rowNumbers[row - 1]}`));
    }
    return { table, x, y };
  } catch (error) {
    if (error instanceof CLIError && error.message.startsWith(source)) throw error;
    throw new CLIError(`${source}: ${(error as Error).message}`);
  }
}
