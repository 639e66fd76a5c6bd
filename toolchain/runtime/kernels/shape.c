/* SHAPE: a copy of the constant dims. */
#include <string.h>

#include "shape.h"

void tl_shape(const tl_shape_params *p, void *output) { memcpy(output, p->values, (size_t)p->bytes); }
