/**
 * Results for people: metrics as one line plus, for classification, the confusion matrix and
 * per-class figures as aligned tables. (`--json` prints the same figures as data instead.)
 */
import type { Evaluation } from '../index.js';
import { figure } from './progress.js';

/** Columns padded to their widest cell: numbers right-aligned, text left-aligned. */
export function table(rows: string[][], indent = '  '): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const numeric = rows[0].map((_, c) => c > 0 && rows.slice(1).every((row) => /^[-+]?[\d,.]+(e[-+]?\d+)?$/.test(row[c])));
  return rows.map((row) => `${indent}${row.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ')}`.trimEnd());
}

const LABELS = [['accuracy', 'accuracy'], ['precision', 'precision'], ['recall', 'recall'], ['f1', 'F1'], ['auc', 'AUC'],
  ['mae', 'MAE'], ['rmse', 'RMSE'], ['r2', 'R²']] as const;

/** Metrics as lines of text: the summary line, then the tables for classification. */
export function metricLines(title: string, metrics: Evaluation, classes: readonly (string | number)[] | undefined): string[] {
  const parts = [`loss ${figure(metrics.loss)}`];
  for (const [name, label] of LABELS) {
    const value = metrics[name];
    if (value !== undefined) parts.push(`${label} ${figure(value)}`);
  }
  const lines = [`${title}: ${parts.join('  ')}`];
  const confusion = metrics.confusionMatrix;
  if (confusion && metrics.perClass) {
    const names = confusion.map((_, k) => String(classes?.[k] ?? k));
    lines.push('confusion matrix (rows: true class, columns: predicted):');
    lines.push(...table([['', ...names], ...confusion.map((row, k) => [names[k], ...row.map(String)])]));
    const { precision, recall, f1, support } = metrics.perClass;
    lines.push('per class (precision and recall macro-averaged above):');
    lines.push(...table([['class', 'precision', 'recall', 'F1', 'rows'],
      ...names.map((name, k) => [name, precision[k].toFixed(4), recall[k].toFixed(4), f1[k].toFixed(4), String(support[k])])]));
  }
  return lines;
}
