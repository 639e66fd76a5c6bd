/* LOG_SOFTMAX over the innermost dimension. int8: output scale 16/256, zero point 127 (TFLM
   requires both), TFLM's gemmlowp fixed point: differences to the row maximum in Q5.26, exps
   summed in Q12.19, the log of the sum in Q5.26. */
#ifndef TL_LOG_SOFTMAX_H
#define TL_LOG_SOFTMAX_H

#include "tl_runtime.h"

typedef struct {
  int32_t rows, depth;
  int32_t input_multiplier, input_left_shift; /* input scale in Q5.26 steps (multiplier above one) */
  int32_t reverse_multiplier, reverse_shift;  /* back from Q5.26 to input steps (shift <= 0) */
  int32_t diff_min;                           /* differences below this count as exp = 0 */
} tl_log_softmax_int8_params;

void tl_log_softmax_int8(const tl_log_softmax_int8_params *p, const int8_t *input, int8_t *output);

typedef struct {
  int32_t rows, depth;
} tl_log_softmax_f32_params;

/* TFLM's float reference: x - max - log(sum(exp(x - max))), expf/logf in single precision. */
void tl_log_softmax_f32(const tl_log_softmax_f32_params *p, const float *input, float *output);

#endif /* TL_LOG_SOFTMAX_H */
