/* CONV_2D int8 for Cortex-M55 (MVE): ungrouped, weights re-laid by the generator for tl_mve_matvec. */
#ifndef TL_CONV_2D_MVE_H
#define TL_CONV_2D_MVE_H

#include "tl_mve.h"

/* How a pixel's window reaches the dot products (chosen by the generator from the shapes). */
enum {
  TL_CONV_MVE_COLUMN = 0, /* 1x1 without padding: the input pixel itself */
  TL_CONV_MVE_ROWS = 1,   /* window rows read in place as 16-byte chunks; padding from predicates */
  TL_CONV_MVE_GATHER = 2  /* anything else: the window gathered into scratch, padding written */
};

#define TL_CONV_MVE_MAX_CHUNKS 64 /* TL_CONV_MVE_ROWS: k_h * ceil(k_w * in_c / 16) <= 64 */

typedef struct {
  tl_window win;
  int32_t depth;         /* k_h * k_w * in_c: taps of one output channel */
  int32_t mode;          /* TL_CONV_MVE_* */
  int32_t pad_value;     /* the input zero point: a padded tap adds (zero_point - zero_point) * w = 0 */
  const int8_t *weights; /* tl_mve_matvec layout */
  const int32_t *chunk_offsets; /* TL_CONV_MVE_ROWS: each 16-byte chunk's offset from the window origin */
  tl_mve_output_stage out;
} tl_conv_2d_int8_mve_params;

/* scratch: depth bytes in TL_CONV_MVE_GATHER mode, else NULL */
void tl_conv_2d_int8_mve(const tl_conv_2d_int8_mve_params *p, const int8_t *input, int8_t *output, void *scratch);

#endif /* TL_CONV_2D_MVE_H */
