/* ABS, int16 (symmetric): |x| requantized when the input and output scales differ (TFLM's
   MultiplyByQuantizedMultiplier), copied otherwise; saturated to int16 (|-32768| gives 32767). */
#include "abs.h"
#include "tl_quant.h"

void tl_abs_int16(const tl_abs_int16_params *p, const int16_t *input, int16_t *output) {
  int32_t i;
  for (i = 0; i < p->count; ++i) {
    const int32_t magnitude = input[i] < 0 ? -(int32_t)input[i] : input[i];
    const int32_t v = p->needs_rescale ? tl_multiply_by_quantized_multiplier(magnitude, p->multiplier, p->shift)
                                       : magnitude;
    output[i] = (int16_t)tl_clamp_i32(v, -32768, 32767);
  }
}
