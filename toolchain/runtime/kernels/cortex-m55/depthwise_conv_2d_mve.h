/* DEPTHWISE_CONV_2D int8 for Cortex-M55 (MVE): depth multiplier 1, channels a multiple of 8. */
#ifndef TL_DEPTHWISE_CONV_2D_MVE_H
#define TL_DEPTHWISE_CONV_2D_MVE_H

#include "tl_mve.h"

#define TL_DEPTHWISE_MVE_MAX_TAPS 25 /* k_h * k_w */

typedef struct {
  tl_window win;             /* out_c == in_c, a multiple of 8 */
  const int8_t *zero_points; /* out_c copies of the input zero point, read in place of padded taps */
  const int8_t *weights;     /* [out_c / 8][k_h * k_w][8]: each block of eight channels' taps in a row */
  tl_mve_output_stage out;   /* per block of eight channels: the even channels' block, then the odd */
} tl_depthwise_conv_2d_int8_mve_params;

void tl_depthwise_conv_2d_int8_mve(const tl_depthwise_conv_2d_int8_mve_params *p, const int8_t *input,
                                   int8_t *output);

#endif /* TL_DEPTHWISE_CONV_2D_MVE_H */
