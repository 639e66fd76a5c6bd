/* BATCH_MATMUL float32: each output a float sum from 0.0f over k in order, as TFLM. */
#include "batch_matmul.h"

void tl_batch_matmul_f32(const tl_batch_matmul_f32_params *p, const float *lhs, const float *rhs, float *output) {
  const tl_matmul_geometry *g = &p->g;
  int32_t b0, b1, b2, m, n, k;
  for (b0 = 0; b0 < g->batch[0]; ++b0)
    for (b1 = 0; b1 < g->batch[1]; ++b1)
      for (b2 = 0; b2 < g->batch[2]; ++b2) {
        const float *l = lhs + b0 * g->lhs_batch_stride[0] + b1 * g->lhs_batch_stride[1] + b2 * g->lhs_batch_stride[2];
        const float *r = rhs + b0 * g->rhs_batch_stride[0] + b1 * g->rhs_batch_stride[1] + b2 * g->rhs_batch_stride[2];
        for (m = 0; m < g->rows; ++m)
          for (n = 0; n < g->cols; ++n) {
            const float *lr = l + m * g->lhs_row_stride;
            const float *rc = r + n * g->rhs_col_stride;
            float acc = 0.0f;
            for (k = 0; k < g->depth; ++k) acc += lr[k * g->lhs_depth_stride] * rc[k * g->rhs_depth_stride];
            *output++ = acc;
          }
      }
}
