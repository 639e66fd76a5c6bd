/* LOGISTIC, int16 (output scale 1/32768): |x| in table units, 9 fraction bits between entries,
   interpolated in 25-bit precision; negative inputs mirror as 1 - sigmoid(|x|). TFLM's
   arithmetic, unsigned wrap-around included. */
#include "sigmoid_table.h"

void tl_logistic_int16(const tl_logistic_int16_params *p, const int16_t *input, int16_t *output) {
  int32_t i;
  for (i = 0; i < p->count; ++i) {
    const int32_t x = tl_sigmoid_table_input(p, input[i]);
    const uint32_t magnitude = (uint32_t)(x < 0 ? -x : x);
    const uint32_t entry = magnitude >> 9;
    uint32_t result;
    if (entry >= 255u) {
      result = 0x7FFFu << 10;
    } else {
      const uint32_t low = p->table[entry], high = p->table[entry + 1];
      result = (low << 9) + (magnitude & 0x1FFu) * (high - low);
    }
    result = x >= 0 ? result + (1u << 9) : (1u << 25) - result + (1u << 9) - 1u;
    output[i] = (int16_t)(result >> 10);
  }
}
