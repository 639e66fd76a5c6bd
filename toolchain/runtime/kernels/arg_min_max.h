/* ARG_MAX / ARG_MIN along one axis, int32 indices: the first extreme wins (strict comparison from
   the axis's first element, as TFLM; a leading NaN therefore stays). */
#ifndef TL_ARG_MIN_MAX_H
#define TL_ARG_MIN_MAX_H

#include "tl_runtime.h"

typedef struct {
  int32_t outer, axis_size, inner; /* input viewed as [outer, axis_size, inner] */
  int32_t take_max;                /* 1: ARG_MAX, 0: ARG_MIN */
} tl_arg_min_max_params;

typedef tl_arg_min_max_params tl_arg_min_max_int8_params;
typedef tl_arg_min_max_params tl_arg_min_max_f32_params;

void tl_arg_min_max_int8(const tl_arg_min_max_params *p, const int8_t *input, int32_t *output);
void tl_arg_min_max_f32(const tl_arg_min_max_params *p, const float *input, int32_t *output);

#endif /* TL_ARG_MIN_MAX_H */
