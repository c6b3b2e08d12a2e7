/**
 * `neuronine/onnx`: ONNX export and import, a separate entry point so that the core bundle does
 * not carry the protobuf code. See docs/interop.md.
 *
 * @example
 * import { toONNX, fromONNX } from 'neuronine/onnx';
 * const bytes = toONNX(model);
 * const again = await fromONNX(bytes);
 */
export { toONNX, fromONNX, ONNX_METADATA, type ToONNXOptions } from './io/onnx.js';
