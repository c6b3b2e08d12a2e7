/**
 * `neuronine/tfjs`: TensorFlow.js layers-model export and import (the Keras JSON topology with
 * float32 weights), a separate entry point so that the core bundle does not carry it. Folder
 * save and load are `saveTFJS`/`loadTFJS` in `neuronine/node`. See docs/interop.md.
 *
 * @example
 * import { toTFJS, fromTFJS } from 'neuronine/tfjs';
 * const artifacts = toTFJS(model);           // tf.loadLayersModel(tf.io.fromMemory(artifacts))
 * const again = await fromTFJS(artifacts);
 */
export { toTFJS, fromTFJS, type TFJSArtifacts, type TFJSWeightSpec } from './io/tfjs.js';
