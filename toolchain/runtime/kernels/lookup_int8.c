/* One table read per element; safe in place (output may alias input). */
#include "lookup.h"

void tl_lookup_int8(const tl_lookup_int8_params *p, const int8_t *input, int8_t *output) {
  int32_t i;
  for (i = 0; i < p->count; ++i) output[i] = p->table[(int32_t)input[i] + 128];
}
