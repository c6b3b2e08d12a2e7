/**
 * How the data layer words its errors. Every data error names the function, the place (row and
 * column, both 1-based as a spreadsheet shows them) and the offending value, and carries the same
 * facts as properties (`row`, `column`, `columnName`, `value`) for programs that want to react.
 *
 * Row numbers: for CSV text a row is a record of the file, counted from 1 with the header as
 * row 1 (so the first data row is row 2) and blank lines counted, exactly as a spreadsheet that
 * opened the file would number it. For arrays (`fromObjects`, `fromArrays`, `Pipeline.transform`
 * of arrays) row N is element N − 1 of the array, and messages say both: "row 3 (index 2)".
 */

/** Facts attached to a data error, for programs that want more than the message. */
export interface DataErrorDetails {
  /** 1-based row (see the file comment for how rows are counted). */
  row?: number;
  /** 1-based column. */
  column?: number;
  /** Column name from the header (or `columnN`). */
  columnName?: string;
  /** The offending cell value as it came. */
  value?: unknown;
}

/** An Error (or subclass) with the optional {@link DataErrorDetails} attached. */
export type DataError<E extends Error = Error> = E & DataErrorDetails;

/** Builds an error of the given class and attaches the details as own properties. */
export function dataError<E extends Error>(
  Kind: new (message: string) => E,
  message: string,
  details: DataErrorDetails = {},
): DataError<E> {
  const error = new Kind(message) as DataError<E>;
  for (const key of ['row', 'column', 'columnName', 'value'] as const) {
    if (details[key] !== undefined) (error as DataErrorDetails)[key] = details[key] as never;
  }
  return error;
}

/** A value as it should appear in a message: strings quoted and shortened, others printed. */
export function show(value: unknown): string {
  if (typeof value === 'string') {
    const text = value.length > 40 ? `${value.slice(0, 37)}...` : value;
    return JSON.stringify(text);
  }
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
  return typeof value;
}

/** The kind of a value for TypeError messages: `string`, `array`, `null`, `Float32Array`... */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  return typeof value;
}

/** `column 3 ("petal_length")`: a column by 1-based number and name. */
export function columnLabel(index: number, name: string): string {
  return `column ${index + 1} (${JSON.stringify(name)})`;
}

/** Lists names for a message, shortening long lists: `"a", "b", "c" and 12 more`. */
export function listNames(names: readonly string[], max = 8): string {
  const shown = names.slice(0, max).map((name) => JSON.stringify(name)).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}
