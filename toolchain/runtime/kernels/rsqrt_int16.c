/* RSQRT, int16 (zero points 0): TFLM's integer 1/sqrt(x) with 20 extra bits, rescaled by
   1 / (sqrt(input scale) * output scale); 0 gives 32767. Negative inputs stop TFLM's interpreter;
   here they get the same arithmetic. */
#include "abs.h"
#include "tl_quant.h"

void tl_rsqrt_int16(const tl_rsqrt_int16_params *p, const int16_t *input, int16_t *output) {
  const int32_t headroom = 20;
  int32_t i;
  for (i = 0; i < p->count; ++i) {
    int32_t root_multiplier, root_shift, root;
    if (input[i] == 0) {
      output[i] = 32767;
      continue;
    }
    tl_inverse_sqrt_multiplier(input[i], &root_multiplier, &root_shift);
    root = tl_multiply_by_quantized_multiplier(1, root_multiplier, root_shift + headroom);
    output[i] = (int16_t)tl_clamp_i32(tl_multiply_by_quantized_multiplier(root, p->multiplier, p->shift - headroom),
                                      -32768, 32767);
  }
}
