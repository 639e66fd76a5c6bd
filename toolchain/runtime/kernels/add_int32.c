/* ADD, int32: the sum wraps modulo 2^32 like TFLM's host and device builds (computed unsigned, so
   overflow is defined C); TFLM applies no fused activation to int32 adds. */
#include "add.h"

static int32_t add_wrapping(int32_t a, int32_t b) {
  return (int32_t)((uint32_t)a + (uint32_t)b);
}

void tl_add_int32(const tl_add_int32_params *p, const int32_t *input1, const int32_t *input2, int32_t *output) {
  const tl_broadcast *s = &p->shape;
  int32_t i0, i1, i2, i3, i4, i5;
  if (s->same_shape) {
    for (i0 = 0; i0 < s->count; ++i0) output[i0] = add_wrapping(input1[i0], input2[i0]);
    return;
  }
  for (i0 = 0; i0 < s->dims[0]; ++i0)
    for (i1 = 0; i1 < s->dims[1]; ++i1)
      for (i2 = 0; i2 < s->dims[2]; ++i2)
        for (i3 = 0; i3 < s->dims[3]; ++i3)
          for (i4 = 0; i4 < s->dims[4]; ++i4) {
            const int32_t *a = input1 + i0 * s->strides_a[0] + i1 * s->strides_a[1] + i2 * s->strides_a[2] +
                               i3 * s->strides_a[3] + i4 * s->strides_a[4];
            const int32_t *b = input2 + i0 * s->strides_b[0] + i1 * s->strides_b[1] + i2 * s->strides_b[2] +
                               i3 * s->strides_b[3] + i4 * s->strides_b[4];
            for (i5 = 0; i5 < s->dims[5]; ++i5) {
              *output++ = add_wrapping(a[i5 * s->strides_a[5]], b[i5 * s->strides_b[5]]);
            }
          }
}
