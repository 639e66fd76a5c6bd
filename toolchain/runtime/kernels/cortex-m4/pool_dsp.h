/* AVERAGE_POOL_2D and MAX_POOL_2D int8 for Armv7E-M DSP (Cortex-M4/M7): channels a multiple of 4;
   the portable kernels' parameters (average: at most 256 taps per window). */
#ifndef TL_POOL_DSP_H
#define TL_POOL_DSP_H

#include "average_pool_2d.h"
#include "max_pool_2d.h"

typedef tl_average_pool_2d_int8_params tl_average_pool_2d_int8_dsp_params;
typedef tl_max_pool_2d_int8_params tl_max_pool_2d_int8_dsp_params;

void tl_average_pool_2d_int8_dsp(const tl_average_pool_2d_int8_dsp_params *p, const int8_t *input, int8_t *output);
void tl_max_pool_2d_int8_dsp(const tl_max_pool_2d_int8_dsp_params *p, const int8_t *input, int8_t *output);

#endif /* TL_POOL_DSP_H */
