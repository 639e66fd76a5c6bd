/* FULLY_CONNECTED int8 on the Armv7E-M DSP extension: two units at a time, per 4 inputs one input
   word widened by SXTB16 into (x0, x2) and (x1, x3), one 8-byte step of int8 weights (a word of each
   unit, laid out by the generator) widened the same way, four SMLAD. The folded bias makes the dot
   product of raw int8 values TFLM's sum of (x + input_offset) * w. */
#include "fully_connected_dsp.h"
#include "tl_dsp.h"

static inline __attribute__((always_inline)) void fully_connected(const tl_fully_connected_int8_dsp_params *p,
                                                                  const int8_t *input, int8_t *output, int fast,
                                                                  int full) {
  const int32_t batches = p->batches, depth = p->depth, units = p->units;
  const int32_t act_min = p->act_min, act_max = p->act_max, output_offset = p->output_offset;
  const int32_t *const folded_bias = p->folded_bias, *const requant = p->requant;
  const int32_t *const multiplier = p->multiplier, *const shift = p->shift;
  int32_t b, u, d;
  for (b = 0; b < batches; ++b, input += depth, output += units) {
    const int8_t *filter = p->filter;
    for (u = 0; u < units; u += 2) {
      int32_t acc0 = folded_bias[u], acc1 = folded_bias[u + 1], v0, v1;
      for (d = 0; d < depth; d += 4, filter += 8) {
        const uint32_t x = tl_load_u32(input + d), w0 = tl_load_u32(filter), w1 = tl_load_u32(filter + 4);
        const int32_t x02 = __sxtb16(x), x13 = tl_sxtb16_ror8(x);
        acc0 = __smlad(x02, __sxtb16(w0), acc0);
        acc0 = __smlad(x13, tl_sxtb16_ror8(w0), acc0);
        acc1 = __smlad(x02, __sxtb16(w1), acc1);
        acc1 = __smlad(x13, tl_sxtb16_ror8(w1), acc1);
      }
      if (fast) {
        v0 = tl_dsp_requantize(acc0, tl_dsp_load_requant(requant + 4 * u));
        v1 = tl_dsp_requantize(acc1, tl_dsp_load_requant(requant + 4 * u + 4));
      } else {
        v0 = tl_dsp_requantize_exact(acc0, multiplier[u], shift[u], output_offset);
        v1 = tl_dsp_requantize_exact(acc1, multiplier[u + 1], shift[u + 1], output_offset);
      }
      output[u] = tl_dsp_activate(v0, full, act_min, act_max);
      output[u + 1] = tl_dsp_activate(v1, full, act_min, act_max);
    }
  }
}

void tl_fully_connected_int8_dsp(const tl_fully_connected_int8_dsp_params *p, const int8_t *input, int8_t *output) {
  if (p->full_range) {
    fully_connected(p, input, output, 1, 1);
  } else {
    fully_connected(p, input, output, 1, 0);
  }
}

void tl_fully_connected_int8_dsp_exact(const tl_fully_connected_int8_dsp_params *p, const int8_t *input,
                                       int8_t *output) {
  fully_connected(p, input, output, 0, 0);
}
