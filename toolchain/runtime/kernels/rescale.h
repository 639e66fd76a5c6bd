/* int16 elementwise rescale-and-clamp (RELU, RELU6, LEAKY_RELU on int16; int8 uses tables). */
#ifndef TL_RESCALE_H
#define TL_RESCALE_H

#include "tl_runtime.h"

typedef struct {
  int32_t count;
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift;                   /* for x - input zero point >= 0 */
  int32_t negative_multiplier, negative_shift; /* for x - input zero point < 0 */
  int32_t act_min, act_max;
} tl_rescale_int16_params;

void tl_rescale_int16(const tl_rescale_int16_params *p, const int16_t *input, int16_t *output);

#endif /* TL_RESCALE_H */
