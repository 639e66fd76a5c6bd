/* DEQUANTIZE uint8 -> float32 (older converters' asymmetric uint8 inputs): the int8 kernel's
   single-precision product, exact for the same reason. */
#include "quantize.h"

void tl_dequantize_uint8_f32(const tl_dequantize_uint8_f32_params *p, const uint8_t *input, float *output) {
  int32_t i;
  for (i = 0; i < p->count; ++i) {
    output[i] = p->scale * (float)((int32_t)input[i] - p->zero_point);
  }
}
