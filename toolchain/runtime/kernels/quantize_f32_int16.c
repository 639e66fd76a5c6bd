/* QUANTIZE float32 -> int16: float division and round-half-away as TFLM's AffineQuantize, then the
   zero point and a clamp to the int16 range. */
#include "quantize.h"
#include "tl_quant.h"

void tl_quantize_f32_int16(const tl_quantize_f32_int16_params *p, const float *input, int16_t *output) {
  int32_t i;
  for (i = 0; i < p->count; ++i) {
    const int32_t q = tl_quantize_round(input[i], p->scale);
    /* the wrapping add mirrors TFLM's int32 arithmetic when q is INT32_MIN */
    const int32_t shifted = (int32_t)((uint32_t)q + (uint32_t)p->zero_point);
    output[i] = (int16_t)tl_clamp_i32(shifted, -32768, 32767);
  }
}
