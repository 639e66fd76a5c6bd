/* RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR on NHWC tensors. Per output row and column the source
   rows/columns (and the bilinear weights) are computed at generation time with TFLM's arithmetic
   (float32 scales for nearest and float bilinear, 10-bit fixed point for int8 bilinear). */
#ifndef TL_RESIZE_H
#define TL_RESIZE_H

#include "tl_runtime.h"

typedef struct {
  int32_t batches, in_h, in_w, out_h, out_w;
  int32_t pixel_bytes;      /* channels * element bytes */
  const int32_t *rows;      /* out_h source rows */
  const int32_t *cols;      /* out_w source columns */
} tl_resize_nearest_params;

typedef struct {
  int32_t batches, in_h, in_w, out_h, out_w, channels;
  const int32_t *row_lo, *row_hi, *col_lo, *col_hi;
  const float *row_frac, *row_rest;  /* input_y - y0 and 1 - (input_y - y0), float32 as TFLM */
  const float *col_frac, *col_rest;
} tl_resize_bilinear_f32_params;

typedef struct {
  int32_t batches, in_h, in_w, out_h, out_w, channels;
  const int32_t *row_lo, *row_hi, *col_lo, *col_hi;
  const int32_t *row_frac, *col_frac;  /* scaled - 1024 * lower bound (10-bit weights) */
} tl_resize_bilinear_int8_params;

typedef tl_resize_bilinear_int8_params tl_resize_bilinear_int16_params;

void tl_resize_nearest(const tl_resize_nearest_params *p, const void *input, void *output);
void tl_resize_bilinear_f32(const tl_resize_bilinear_f32_params *p, const float *input, float *output);
void tl_resize_bilinear_int8(const tl_resize_bilinear_int8_params *p, const int8_t *input, int8_t *output);
void tl_resize_bilinear_int16(const tl_resize_bilinear_int16_params *p, const int16_t *input, int16_t *output);

#endif /* TL_RESIZE_H */
