/* FULLY_CONNECTED: input [batches, depth] (any shape with depth innermost), filter [units, depth]. */
#ifndef TL_FULLY_CONNECTED_H
#define TL_FULLY_CONNECTED_H

#include "tl_runtime.h"

typedef struct {
  int32_t batches, depth, units;
  int32_t output_offset;
  int32_t act_min, act_max;
  const int32_t *multiplier;  /* per unit (a per-tensor scale is repeated) */
  const int32_t *shift;
  const int32_t *folded_bias; /* bias[u] + input_offset * sum(filter[u]) */
} tl_fully_connected_int8_params;

void tl_fully_connected_int8(const tl_fully_connected_int8_params *p, const int8_t *input,
                             const int8_t *filter, const int32_t *bias, int8_t *output);

/* int16 activations (zero point 0), int8 weights, int64 bias: 64-bit accumulation. */
typedef struct {
  int32_t batches, depth, units;
  int32_t act_min, act_max;
  const int32_t *multiplier; /* per unit */
  const int32_t *shift;
} tl_fully_connected_int16_params;

void tl_fully_connected_int16(const tl_fully_connected_int16_params *p, const int16_t *input,
                              const int8_t *filter, const int64_t *bias, int16_t *output);

typedef struct {
  int32_t batches, depth, units;
  float act_min, act_max;
} tl_fully_connected_f32_params;

void tl_fully_connected_f32(const tl_fully_connected_f32_params *p, const float *input, const float *filter,
                            const float *bias, float *output);

#endif /* TL_FULLY_CONNECTED_H */
