/* BATCH_MATMUL int8: (lhs + lhs_offset) * (rhs + rhs_offset) summed in int32, TFLM's double-rounding
   requantization, output zero point, int8 clamp. */
#include "batch_matmul.h"
#include "tl_quant.h"

void tl_batch_matmul_int8(const tl_batch_matmul_int8_params *p, const int8_t *lhs, const int8_t *rhs, int8_t *output) {
  const tl_matmul_geometry *g = &p->g;
  int32_t b0, b1, b2, m, n, k;
  for (b0 = 0; b0 < g->batch[0]; ++b0)
    for (b1 = 0; b1 < g->batch[1]; ++b1)
      for (b2 = 0; b2 < g->batch[2]; ++b2) {
        const int8_t *l = lhs + b0 * g->lhs_batch_stride[0] + b1 * g->lhs_batch_stride[1] + b2 * g->lhs_batch_stride[2];
        const int8_t *r = rhs + b0 * g->rhs_batch_stride[0] + b1 * g->rhs_batch_stride[1] + b2 * g->rhs_batch_stride[2];
        for (m = 0; m < g->rows; ++m)
          for (n = 0; n < g->cols; ++n) {
            const int8_t *lr = l + m * g->lhs_row_stride;
            const int8_t *rc = r + n * g->rhs_col_stride;
            int32_t acc = 0;
            for (k = 0; k < g->depth; ++k) {
              acc += (lr[k * g->lhs_depth_stride] + p->lhs_offset) * (rc[k * g->rhs_depth_stride] + p->rhs_offset);
            }
            acc = tl_multiply_by_quantized_multiplier(acc, p->multiplier, p->shift) + p->output_offset;
            *output++ = (int8_t)tl_clamp_i32(acc, -128, 127);
          }
      }
}
