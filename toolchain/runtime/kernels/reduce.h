/* REDUCE_MAX, REDUCE_MIN and SUM over any set of axes (keep_dims or not: the same bytes), rank <= 6,
   reducing in the input's row-major order as TFLM does. The shape is MEAN's. */
#ifndef TL_REDUCE_H
#define TL_REDUCE_H

#include "mean.h"

typedef struct {
  tl_mean_shape shape;
  int32_t take_max; /* 1: REDUCE_MAX, 0: REDUCE_MIN */
} tl_reduce_max_min_params;

typedef tl_reduce_max_min_params tl_reduce_max_min_int8_params;
typedef tl_reduce_max_min_params tl_reduce_max_min_f32_params;
typedef tl_reduce_max_min_params tl_reduce_max_min_int16_params;

/* int8 (input and output share one quantization, as TFLM requires): the raw extreme, starting
   from -128 / 127. float32: starting from -FLT_MAX / FLT_MAX, `in > current ? in : current`
   (NaN inputs are skipped, as TFLM's comparison skips them). */
void tl_reduce_max_min_int8(const tl_reduce_max_min_params *p, const int8_t *input, int8_t *output);
void tl_reduce_max_min_f32(const tl_reduce_max_min_params *p, const float *input, float *output);
/* int16 (one shared quantization): as int8 from -32768 / 32767, LiteRT's reference (TFLM has none) */
void tl_reduce_max_min_int16(const tl_reduce_max_min_params *p, const int16_t *input, int16_t *output);

/* SUM int8/int16 runs the MEAN kernels (tl_mean_int8/int16) with the plain input/output scale
   multiplier: TFLM computes both with one integer routine. */
typedef struct {
  tl_mean_shape shape;
} tl_sum_f32_params;

void tl_sum_f32(const tl_sum_f32_params *p, const float *input, float *output);

/* Input rows (every dim but the innermost) in row-major order, and where a row's first element
   lands in the output. */
static inline int32_t tl_reduce_rows(const tl_mean_shape *s) {
  return s->in_dims[0] * s->in_dims[1] * s->in_dims[2] * s->in_dims[3] * s->in_dims[4];
}

static inline int32_t tl_reduce_row_output(const tl_mean_shape *s, int32_t row) {
  int32_t axis, offset = 0;
  for (axis = TL_MAX_RANK - 2; axis >= 0; --axis) {
    offset += (row % s->in_dims[axis]) * s->out_strides[axis];
    row /= s->in_dims[axis];
  }
  return offset;
}

#endif /* TL_REDUCE_H */
