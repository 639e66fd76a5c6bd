/* A two-input, two-output test model with known arithmetic, used to exercise the HIL protocol
   on the host (multi-tensor chunking, outputs larger than one chunk). Same interface as a
   generated tl_model.h. */
#ifndef TL_MODEL_H
#define TL_MODEL_H
#include "tl_runtime.h"

#define TL_MODEL_NAME "protocol_test_model"
#define TL_MODEL_HASH "0123456789abcdef"
#define TL_MODEL_ARENA_BYTES 1024u
#define TL_MODEL_NUM_INPUTS 2
#define TL_MODEL_NUM_OUTPUTS 2
#define TL_MODEL_INPUT_BYTES_TOTAL (300u + 12u)
#define TL_MODEL_OUTPUT_BYTES_TOTAL (600u + 4u)

extern const tl_io_info tl_model_inputs[TL_MODEL_NUM_INPUTS];
extern const tl_io_info tl_model_outputs[TL_MODEL_NUM_OUTPUTS];
void *tl_model_input(int index);
void *tl_model_output(int index);
void tl_model_invoke(void);
#endif
