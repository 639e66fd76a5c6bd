/* int16 LOGISTIC and TANH: TFLM's 256-entry sigmoid table (sigmoid(i/24) in Q16, built by the
   code generator) read with linear interpolation; tanh(x) = 2 sigmoid(2x) - 1 reuses it. */
#ifndef TL_SIGMOID_TABLE_H
#define TL_SIGMOID_TABLE_H

#include "tl_runtime.h"

typedef struct {
  int32_t count;
  int32_t input_multiplier; /* input scale to the table's 1/(3 * 4096) steps (sigmoid: 1/(3 * 2048) per table bit) */
  int32_t input_shift;      /* right shift after the multiply, rounding half up */
  const uint16_t *table;    /* 256 entries */
} tl_sigmoid_table_params;

typedef tl_sigmoid_table_params tl_logistic_int16_params;
typedef tl_sigmoid_table_params tl_tanh_int16_params;

void tl_logistic_int16(const tl_logistic_int16_params *p, const int16_t *input, int16_t *output);
void tl_tanh_int16(const tl_tanh_int16_params *p, const int16_t *input, int16_t *output);

/* The input in table units: (x * multiplier + half) >> shift. */
static inline int32_t tl_sigmoid_table_input(const tl_sigmoid_table_params *p, int16_t x) {
  const int32_t round = p->input_shift > 0 ? (int32_t)1 << (p->input_shift - 1) : 0;
  return ((int32_t)x * p->input_multiplier + round) >> p->input_shift;
}

#endif /* TL_SIGMOID_TABLE_H */
