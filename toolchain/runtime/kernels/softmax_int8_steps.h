/* The steps of TFLM's integer softmax over int8 inputs, shared by the int8 and int16 outputs:
   exp of (x - max) in Q5.26 fixed point, the row sum in Q12.19, one fixed-point reciprocal per
   row. The kernels differ only in how they round the final quotient. */
#ifndef TL_SOFTMAX_INT8_STEPS_H
#define TL_SOFTMAX_INT8_STEPS_H

#include <stdint.h>

#include "tl_quant.h"

enum { TL_SOFTMAX_DIFF_INTEGER_BITS = 5, TL_SOFTMAX_ACCUMULATION_INTEGER_BITS = 12 };

typedef struct {
  int32_t max;            /* the row's largest input */
  int32_t scale;          /* 1 / sum(exp), Q0.31 significand ... */
  int32_t bits_over_unit; /* ... and its power of two */
} tl_softmax_int8_row;

static inline int32_t tl_softmax_int8_exp(int32_t diff, int32_t multiplier, int32_t left_shift) {
  const int32_t rescaled = tl_multiply_by_quantized_multiplier_greater_than_one(diff, multiplier, left_shift);
  return tl_exp_on_negative_values(rescaled, TL_SOFTMAX_DIFF_INTEGER_BITS);
}

static inline tl_softmax_int8_row tl_softmax_int8_row_scale(const int8_t *x, int32_t depth, int32_t multiplier,
                                                            int32_t left_shift, int32_t diff_min) {
  tl_softmax_int8_row row;
  int32_t c, sum = 0;
  row.max = x[0];
  for (c = 1; c < depth; ++c) row.max = x[c] > row.max ? x[c] : row.max;
  for (c = 0; c < depth; ++c) {
    const int32_t diff = (int32_t)x[c] - row.max;
    if (diff >= diff_min) {
      sum += tl_rounding_divide_by_pot(tl_softmax_int8_exp(diff, multiplier, left_shift),
                                       TL_SOFTMAX_ACCUMULATION_INTEGER_BITS);
    }
  }
  row.scale = tl_reciprocal(sum, TL_SOFTMAX_ACCUMULATION_INTEGER_BITS, &row.bits_over_unit);
  return row;
}

#endif /* TL_SOFTMAX_INT8_STEPS_H */
