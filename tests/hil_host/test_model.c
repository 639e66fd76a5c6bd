/* out0[i] = in0[i] for i < 300, in0[i-300] ^ 0x55 after; out1 = sum(in0) + sum(in1). */
#include <string.h>
#include "tl_model.h"

const tl_io_info tl_model_inputs[TL_MODEL_NUM_INPUTS] = {
    {300u, TL_DTYPE_INT8, 2, {1, 300}, 0.5f, -3},
    {12u, TL_DTYPE_INT16, 2, {2, 3}, 0.0f, 0}};
const tl_io_info tl_model_outputs[TL_MODEL_NUM_OUTPUTS] = {
    {600u, TL_DTYPE_INT8, 2, {1, 600}, 0.5f, -3},
    {4u, TL_DTYPE_INT32, 1, {1}, 0.0f, 0}};

static int8_t in0[300];
static int16_t in1[6];
static int8_t out0[600];
static int32_t out1[1];

void *tl_model_input(int index) { return index == 0 ? (void *)in0 : (void *)in1; }
void *tl_model_output(int index) { return index == 0 ? (void *)out0 : (void *)out1; }

void tl_model_invoke(void) {
  int i;
  int32_t sum = 0;
  for (i = 0; i < 300; ++i) {
    out0[i] = in0[i];
    out0[300 + i] = (int8_t)(in0[i] ^ 0x55);
    sum += in0[i];
  }
  for (i = 0; i < 6; ++i) sum += in1[i];
  out1[0] = sum;
  /* clobber the inputs as an arena planner may: replays must come from the result cache */
  memset(in0, 0x7f, sizeof in0);
}
