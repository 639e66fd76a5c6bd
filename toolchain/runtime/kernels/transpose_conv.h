/* TRANSPOSE_CONV (NHWC, OHWI filter): every input pixel scattered through the filter into an
   accumulator the size of the output, in TFLM's order (input row, column, channel, filter row,
   column, output channel), then bias, requantization and clamp per output channel. `w` describes
   the transposed direction: out_* are the transpose conv's output, pad_* its padding. */
#ifndef TL_TRANSPOSE_CONV_H
#define TL_TRANSPOSE_CONV_H

#include "tl_runtime.h"

typedef struct {
  tl_window w;
  int32_t input_offset, output_offset;
  int32_t act_min, act_max;
  const int32_t *multiplier, *shift;  /* per output channel */
} tl_transpose_conv_int8_params;

typedef struct {
  tl_window w;
  int32_t act_min, act_max;
  const int32_t *multiplier, *shift;
  const int64_t *bias;                 /* NULL: no bias */
} tl_transpose_conv_int16_params;

typedef struct {
  tl_window w;
  float act_min, act_max;
} tl_transpose_conv_f32_params;

/* scratch: output elements * 4 bytes (int8) or * 8 bytes (int16) */
void tl_transpose_conv_int8(const tl_transpose_conv_int8_params *p, const int8_t *input, const int8_t *filter,
                            const int32_t *bias, int8_t *output, void *scratch);
void tl_transpose_conv_int16(const tl_transpose_conv_int16_params *p, const int16_t *input, const int8_t *filter,
                             int16_t *output, void *scratch);
void tl_transpose_conv_f32(const tl_transpose_conv_f32_params *p, const float *input, const float *filter,
                           const float *bias, float *output);

#endif /* TL_TRANSPOSE_CONV_H */
