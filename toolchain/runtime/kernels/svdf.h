/* SVDF: the activation state (a variable tensor, kept between invocations) shifts left by one
   element, the feature matmul writes each filter's newest entry, then the time matmul, the sum over
   rank, bias and output stage, as TFLM computes them. int8 inputs with an int16 state and int16
   time weights, or float32 throughout. */
#ifndef TL_SVDF_H
#define TL_SVDF_H

#include "tl_runtime.h"

typedef struct {
  int32_t batches, input_size, filters, units, rank, memory;
} tl_svdf_shape;

typedef struct {
  tl_svdf_shape s;
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier_1, shift_1;  /* input x feature weights -> state */
  int32_t multiplier_2, shift_2;  /* state x time weights -> output */
  int16_t *state;                 /* [batches][filters][memory] */
} tl_svdf_int8_params;

enum { TL_SVDF_NONE = 0, TL_SVDF_RELU = 1, TL_SVDF_RELU_N1_TO_1 = 2, TL_SVDF_RELU6 = 3 };

typedef struct {
  tl_svdf_shape s;
  int32_t activation;  /* TL_SVDF_*: applied with TFLM's max/min comparisons (NaN and inf as TFLM) */
  float *state;
} tl_svdf_f32_params;

/* scratch: (batches * filters + batches * units) int32 */
void tl_svdf_int8(const tl_svdf_int8_params *p, const int8_t *input, const int8_t *weights_feature,
                  const int16_t *weights_time, const int32_t *bias, int8_t *output, void *scratch);
/* scratch: batches * filters floats */
void tl_svdf_f32(const tl_svdf_f32_params *p, const float *input, const float *weights_feature,
                 const float *weights_time, const float *bias, float *output, void *scratch);

#endif /* TL_SVDF_H */
