/* BATCH_MATMUL: output[b][m][n] = sum_k lhs[b][m][k] * rhs[b][k][n] over up to three broadcast batch
   dims; adj_x / adj_y only change the element strides. Quantized kernels accumulate as TFLM (int32
   for int8 with zero-point offsets, int64 for symmetric int16) and requantize per tensor. */
#ifndef TL_BATCH_MATMUL_H
#define TL_BATCH_MATMUL_H

#include "tl_runtime.h"

typedef struct {
  int32_t batch[3];              /* output batch dims, left-padded with 1s */
  int32_t lhs_batch_stride[3];   /* elements per batch step, 0 where broadcast */
  int32_t rhs_batch_stride[3];
  int32_t rows, cols, depth;     /* m, n, k */
  int32_t lhs_row_stride, lhs_depth_stride;
  int32_t rhs_depth_stride, rhs_col_stride;
} tl_matmul_geometry;

typedef struct {
  tl_matmul_geometry g;
  int32_t lhs_offset, rhs_offset, output_offset; /* minus the input zero points; the output zero point */
  int32_t multiplier, shift;
} tl_batch_matmul_int8_params;

typedef struct {
  tl_matmul_geometry g;
  int32_t multiplier, shift;
} tl_batch_matmul_int16_params;

typedef struct {
  tl_matmul_geometry g;
} tl_batch_matmul_f32_params;

void tl_batch_matmul_int8(const tl_batch_matmul_int8_params *p, const int8_t *lhs, const int8_t *rhs, int8_t *output);
void tl_batch_matmul_int16(const tl_batch_matmul_int16_params *p, const int16_t *lhs, const int16_t *rhs,
                           int16_t *output);
void tl_batch_matmul_f32(const tl_batch_matmul_f32_params *p, const float *lhs, const float *rhs, float *output);

#endif /* TL_BATCH_MATMUL_H */
