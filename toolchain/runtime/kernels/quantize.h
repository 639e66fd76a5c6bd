/* QUANTIZE (float32 -> int8/int16, and requantization between integer types) and DEQUANTIZE. */
#ifndef TL_QUANTIZE_H
#define TL_QUANTIZE_H

#include <math.h>

#include "tl_runtime.h"

/* float32 -> integer: q = round(x / scale) + zero_point, clamped to the output type. */
typedef struct {
  int32_t count;
  float scale;
  int32_t zero_point;
} tl_quantize_f32_params;

typedef tl_quantize_f32_params tl_quantize_f32_int8_params;
typedef tl_quantize_f32_params tl_quantize_f32_int16_params;
void tl_quantize_f32_int8(const tl_quantize_f32_int8_params *p, const float *input, int8_t *output);
void tl_quantize_f32_int16(const tl_quantize_f32_int16_params *p, const float *input, int16_t *output);

/* integer -> integer: (q - input_zero_point) * input_scale / output_scale + output_zero_point
   (int8 -> int8 is a table, see lookup.h). */
typedef struct {
  int32_t count;
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift;
} tl_requantize_params;

typedef tl_requantize_params tl_requantize_int8_int16_params;
typedef tl_requantize_params tl_requantize_int16_int8_params;
typedef tl_requantize_params tl_requantize_int16_int16_params;
void tl_requantize_int8_int16(const tl_requantize_int8_int16_params *p, const int8_t *input, int16_t *output);
void tl_requantize_int16_int8(const tl_requantize_int16_int8_params *p, const int16_t *input, int8_t *output);
void tl_requantize_int16_int16(const tl_requantize_int16_int16_params *p, const int16_t *input, int16_t *output);

/* integer -> float32: scale * (q - zero_point). */
typedef struct {
  int32_t count;
  float scale;
  int32_t zero_point;
} tl_dequantize_params;

typedef tl_dequantize_params tl_dequantize_int8_f32_params;
typedef tl_dequantize_params tl_dequantize_int16_f32_params;
typedef tl_dequantize_params tl_dequantize_uint8_f32_params;
void tl_dequantize_int8_f32(const tl_dequantize_int8_f32_params *p, const int8_t *input, float *output);
void tl_dequantize_int16_f32(const tl_dequantize_int16_f32_params *p, const int16_t *input, float *output);
void tl_dequantize_uint8_f32(const tl_dequantize_uint8_f32_params *p, const uint8_t *input, float *output);

/* round(x / scale) as an int32, the way TFLM's host build converts: a quotient outside the int32
   range (or NaN) becomes INT32_MIN, which the caller's clamp then turns into the type's minimum.
   Written out so the conversion is never undefined behaviour in C. */
static inline int32_t tl_quantize_round(float x, float scale) {
  const float q = roundf(x / scale);
  if (!(q >= -2147483648.0f && q < 2147483648.0f)) return INT32_MIN;
  return (int32_t)q;
}

#endif /* TL_QUANTIZE_H */
