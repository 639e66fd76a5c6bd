/* AVERAGE_POOL_2D int8 for Cortex-M55 (MVE): the portable parameters, channels a multiple of 4. */
#ifndef TL_AVERAGE_POOL_2D_MVE_H
#define TL_AVERAGE_POOL_2D_MVE_H

#include "average_pool_2d.h"
#include "tl_mve.h"

typedef tl_average_pool_2d_int8_params tl_average_pool_2d_int8_mve_params;

void tl_average_pool_2d_int8_mve(const tl_average_pool_2d_int8_mve_params *p, const int8_t *input, int8_t *output);

#endif /* TL_AVERAGE_POOL_2D_MVE_H */
