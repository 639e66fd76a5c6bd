/* FULLY_CONNECTED int8 on Cortex-M55 (MVE/Helium): every input row is one column of
   tl_mve_matvec, on top of the folded bias bias + input_offset * sum(w) (TFLM's accumulator). */
#include "fully_connected_mve.h"

void tl_fully_connected_int8_mve(const tl_fully_connected_int8_mve_params *p, const int8_t *input, int8_t *output) {
  int32_t b;
  for (b = 0; b < p->batches; ++b) {
    tl_mve_matvec(input + (size_t)b * p->depth, p->weights, p->depth, p->units, &p->out, output + (size_t)b * p->units);
  }
}
