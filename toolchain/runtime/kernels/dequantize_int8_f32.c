/* DEQUANTIZE int8 -> float32. TFLM multiplies in double and rounds once to float; (q - zero_point)
   has at most 17 significant bits, so the single-precision product here is that same correctly
   rounded value (no double arithmetic needed on the device). */
#include "quantize.h"

void tl_dequantize_int8_f32(const tl_dequantize_int8_f32_params *p, const int8_t *input, float *output) {
  int32_t i;
  for (i = 0; i < p->count; ++i) {
    output[i] = p->scale * (float)((int32_t)input[i] - p->zero_point);
  }
}
