/* ADD int8 on Armv7E-M: each input's rescale is a table read (TFLM's integer steps, run by the
   generator for all 256 values and doubled), the sum goes through the requantization the generator
   proved equal to TFLM's output stage for every sum the tables can make (tl_dsp_requantize with the
   pre-shift already in the tables): SMMULR, one rounding add and one shift. */
#include "add_dsp.h"
#include "tl_dsp.h"

static inline __attribute__((always_inline)) void add(const tl_add_int8_dsp_params *p, const int8_t *input1,
                                                      const int8_t *input2, int8_t *output, int full) {
  /* locals, not struct reads: int8 output stores may alias anything and would force reloads */
  const int32_t *const t1 = p->input1_table + 128, *const t2 = p->input2_table + 128;
  const tl_dsp_requant q = tl_dsp_load_requant(p->requant);
  const int32_t count = p->count, act_min = p->act_min, act_max = p->act_max;
  int32_t i;
  for (i = 0; i < count; ++i) {
    const int32_t v = tl_smmulr(t1[input1[i]] + t2[input2[i]], q.multiplier);
    output[i] = tl_dsp_activate((2 * v + q.rounding - (int32_t)((uint32_t)v >> 31)) >> q.post, full, act_min, act_max);
  }
}

void tl_add_int8_dsp(const tl_add_int8_dsp_params *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
  if (p->full_range) {
    add(p, input1, input2, output, 1);
  } else {
    add(p, input1, input2, output, 0);
  }
}
