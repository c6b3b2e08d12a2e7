/**
 * Shared value types of the public API: the small row-major matrix that data loading produces
 * and the model consumes.
 */

/**
 * A dense row-major float32 matrix: element (r, c) is `data[r * cols + c]`.
 *
 * @example
 * const x: Matrix = { rows: 2, cols: 3, data: new Float32Array([1, 2, 3, 4, 5, 6]) };
 */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

/** Anything the model accepts as a feature matrix. */
export type MatrixLike = Matrix | number[][] | readonly (readonly number[])[] | { data: Float32Array; rows: number };

/**
 * Targets: a matrix of rows (one-hot rows for classification, values for regression), integer
 * class indices (`number[]` or `Int32Array`) for classification, or plain numbers for
 * single-output regression.
 */
export type TargetsLike = MatrixLike | number[] | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array;
