/* TANH, int16 (output scale 1/32768): 2 * sigmoid(2|x|) - 1 from the sigmoid table with 8
   fraction bits between entries; negative inputs mirror. TFLM's arithmetic, unsigned
   wrap-around included. */
#include "sigmoid_table.h"

void tl_tanh_int16(const tl_tanh_int16_params *p, const int16_t *input, int16_t *output) {
  int32_t i;
  for (i = 0; i < p->count; ++i) {
    const int32_t x = tl_sigmoid_table_input(p, input[i]);
    const uint32_t magnitude = (uint32_t)(x < 0 ? -x : x);
    const uint32_t entry = magnitude >> 8;
    int32_t result;
    if (entry >= 255u) {
      result = (int32_t)(0xFFFFu << 8);
    } else {
      const uint32_t low = p->table[entry], high = p->table[entry + 1];
      result = (int32_t)((low << 8) + (magnitude & 0xFFu) * (high - low));
    }
    result = x >= 0 ? result - (1 << 23) + (1 << 7) : -result + (1 << 23) + (1 << 7) - 1;
    output[i] = (int16_t)(result >> 8);
  }
}
