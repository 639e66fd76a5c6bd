/* MEAN over any set of axes (keep_dims or not: the same bytes), rank <= 6. */
#ifndef TL_MEAN_H
#define TL_MEAN_H

#include "tl_runtime.h"

typedef struct {
  int32_t in_dims[TL_MAX_RANK];     /* left-padded with 1s to rank 6 */
  int32_t out_strides[TL_MAX_RANK]; /* output step per input dimension, 0 on reduced axes */
  int32_t num_outputs;
  int32_t num_reduced;              /* elements averaged into each output */
} tl_mean_shape;

/* int8: TFLM's integer mean. The input/output scale ratio's fixed-point multiplier is divided by
   the element count at generation time (multiplier = (M << k) / n, shift = s - k), so one
   multiply rescales the zero-point-corrected sum. */
typedef struct {
  tl_mean_shape shape;
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift;
} tl_mean_int8_params;

/* scratch: num_outputs int32 sums */
void tl_mean_int8(const tl_mean_int8_params *p, const int8_t *input, int8_t *output, void *scratch);

typedef tl_mean_int8_params tl_mean_int16_params;
/* scratch: num_outputs int32 sums */
void tl_mean_int16(const tl_mean_int16_params *p, const int16_t *input, int16_t *output, void *scratch);

typedef struct {
  tl_mean_shape shape;
} tl_mean_f32_params;

/* scratch: num_outputs float sums */
void tl_mean_f32(const tl_mean_f32_params *p, const float *input, float *output, void *scratch);

#endif /* TL_MEAN_H */
