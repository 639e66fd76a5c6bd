/* The portable firmware core around the generated model: the boot identity line and the
   self-test against the TFLM reference output embedded at generation time (docs/firmware.md). */
#ifndef TL_FIRMWARE_H
#define TL_FIRMWARE_H

#include <stdint.h>

#include "tl_model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Embedded by `tinylarge generate` (tl_selftest_data.c): one input per model input and the
   TFLM interpreter's outputs for it, byte for byte. */
extern const uint8_t *const tl_selftest_inputs[TL_MODEL_NUM_INPUTS];
extern const uint8_t *const tl_selftest_outputs[TL_MODEL_NUM_OUTPUTS];

/* Prints "TL-IDENTITY board=... runtime=... model=... hash=... arena=... counter=...
   inputs=... outputs=...\n". */
void tl_print_identity(void);

/* Runs the embedded input, compares every output byte, prints one TL-SELFTEST line.
   Returns 1 on a bit-exact match, 0 otherwise. */
int tl_run_selftest(void);

/* The firmware's entry (called by the startup code or the Arduino setup()); never returns. */
void tl_firmware_run(void);

#ifdef __cplusplus
}
#endif

#endif /* TL_FIRMWARE_H */
