/* BATCH_MATMUL int16 (symmetric): products summed in int64, TFLM's 64-bit requantization, int16 clamp. */
#include "batch_matmul.h"
#include "tl_quant.h"

void tl_batch_matmul_int16(const tl_batch_matmul_int16_params *p, const int16_t *lhs, const int16_t *rhs,
                           int16_t *output) {
  const tl_matmul_geometry *g = &p->g;
  int32_t b0, b1, b2, m, n, k;
  for (b0 = 0; b0 < g->batch[0]; ++b0)
    for (b1 = 0; b1 < g->batch[1]; ++b1)
      for (b2 = 0; b2 < g->batch[2]; ++b2) {
        const int16_t *l = lhs + b0 * g->lhs_batch_stride[0] + b1 * g->lhs_batch_stride[1] + b2 * g->lhs_batch_stride[2];
        const int16_t *r = rhs + b0 * g->rhs_batch_stride[0] + b1 * g->rhs_batch_stride[1] + b2 * g->rhs_batch_stride[2];
        for (m = 0; m < g->rows; ++m)
          for (n = 0; n < g->cols; ++n) {
            const int16_t *lr = l + m * g->lhs_row_stride;
            const int16_t *rc = r + n * g->rhs_col_stride;
            int64_t acc = 0;
            for (k = 0; k < g->depth; ++k) {
              acc += (int64_t)((int32_t)lr[k * g->lhs_depth_stride] * rc[k * g->rhs_depth_stride]);
            }
            *output++ = (int16_t)tl_clamp_i32(tl_multiply_by_quantized_multiplier_64(acc, p->multiplier, p->shift),
                                              -32768, 32767);
          }
      }
}
