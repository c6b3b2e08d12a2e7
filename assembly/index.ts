// The module's ABI: every export the TypeScript side calls, and nothing else. Kernels take raw
// byte addresses into this instance's memory and dimensions; none of them allocates.

export { gemm_nn, gemm_nt, gemm_tn, gemm_block, gemm_scratch_bytes } from './gemm';
export {
  parallel_setup, parallel_board, parallel_thresholds, worker_run, par_gemm_nn, par_gemm_nt, par_gemm_tn, par_column_sums,
  par_activation_backward, par_softmax_forward, par_softmax_backward, par_activation_forward, par_all_finite,
  parallel_ready, par_predict_finish,
  par_dropout_forward, par_dropout_backward, par_batchnorm_forward, par_batchnorm_inference, par_batchnorm_backward,
} from './parallel';
export { activation_forward, activation_backward, softmax_forward, softmax_backward } from './activation';
export { mse_loss, softmax_cross_entropy_loss, sigmoid_binary_cross_entropy_loss, mae_loss, huber_loss,
  weight_penalty } from './loss';
export { column_sums, all_finite, max_abs, count_correct, gradient_summary } from './reduce';
export { sgd_update, momentum_update, adam_update, rmsprop_update, adagrad_update, adamax_update,
  nadam_update } from './optimizer';
export { dropout_forward, dropout_backward, batchnorm_forward, batchnorm_inference, batchnorm_backward,
  batchnorm_update_moving } from './layers';
export {
  network_forward, network_loss, network_score, network_penalty, network_backward, network_update, network_train_step,
  network_train_batches, network_predict, network_predict_open,
} from './network';

// First byte after the module's static data: the TypeScript planner lays out buffers from here.
export function heap_base(): usize {
  return (__heap_base + 15) & ~15;
}
