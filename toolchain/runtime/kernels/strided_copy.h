/* Operators that only pick input elements (SLICE, STRIDED_SLICE, TRANSPOSE, SPACE_TO_DEPTH,
   DEPTH_TO_SPACE...), for every element type: the output, walked in order, reads input element
   offset + sum(i_k * strides[k]). The generator merges dims so most copies are a few long rows. */
#ifndef TL_STRIDED_COPY_H
#define TL_STRIDED_COPY_H

#include "tl_runtime.h"

typedef struct {
  int32_t elem_bytes;
  int32_t offset;                /* input element of the output's first element */
  int32_t dims[TL_MAX_RANK];     /* output dims, left-padded with 1s */
  int32_t strides[TL_MAX_RANK];  /* input elements per step along each dim (may be negative) */
} tl_strided_copy_params;

void tl_strided_copy(const tl_strided_copy_params *p, const void *input, void *output);

#endif /* TL_STRIDED_COPY_H */
