/* Strided copy: five outer loops over the leading dims; the innermost dim is one memcpy when its
   elements are consecutive in the input, else one element at a time. */
#include <string.h>

#include "strided_copy.h"

void tl_strided_copy(const tl_strided_copy_params *p, const void *input, void *output) {
  const size_t eb = (size_t)p->elem_bytes;
  const int32_t *d = p->dims;
  const int32_t *s = p->strides;
  const uint8_t *in = (const uint8_t *)input;
  uint8_t *out = (uint8_t *)output;
  const int contiguous = s[5] == 1;
  const size_t row_bytes = (size_t)d[5] * eb;
  int32_t i0, i1, i2, i3, i4, i5;
  for (i0 = 0; i0 < d[0]; ++i0)
    for (i1 = 0; i1 < d[1]; ++i1)
      for (i2 = 0; i2 < d[2]; ++i2)
        for (i3 = 0; i3 < d[3]; ++i3)
          for (i4 = 0; i4 < d[4]; ++i4) {
            const int32_t row = p->offset + i0 * s[0] + i1 * s[1] + i2 * s[2] + i3 * s[3] + i4 * s[4];
            if (contiguous) {
              memcpy(out, in + (ptrdiff_t)row * (ptrdiff_t)eb, row_bytes);
              out += row_bytes;
              continue;
            }
            for (i5 = 0; i5 < d[5]; ++i5) {
              memcpy(out, in + (ptrdiff_t)(row + i5 * s[5]) * (ptrdiff_t)eb, eb);
              out += eb;
            }
          }
}
