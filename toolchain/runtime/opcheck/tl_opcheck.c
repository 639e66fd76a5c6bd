/* Per-operator check on a board or its emulator: runs every sample of tl_opcheck_data.h through the
   generated model and, right after each operator, prints an FNV-1a hash of each of its output
   tensors: "TL-OPHASH <sample> <tensor number in tl_opcheck_data.h> <hash>". The host compares them with the TFLM interpreter's
   tensors. Built with -DTL_PROFILE, so the generated tl_model_invoke() calls tl_profile_mark()
   between operators. */
#include <stdint.h>
#include <string.h>

#include "tl_hal.h"
#include "tl_model.h"
#include "tl_opcheck_data.h"

static uint32_t current_sample;

static void write_text(const char *s) { tl_hal_write((const uint8_t *)s, strlen(s)); }

static void write_u32(uint32_t v) {
  char digits[11];
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10u);
    v /= 10u;
  } while (v);
  while (n) tl_hal_write((const uint8_t *)&digits[--n], 1);
}

static uint32_t fnv1a(const uint8_t *p, uint32_t n) {
  uint32_t h = 2166136261u, i;
  for (i = 0; i < n; ++i) h = (h ^ p[i]) * 16777619u;
  return h;
}

/* Called before operator `op_index` and once after the last: operator op_index - 1 has just run. */
void tl_profile_mark(int op_index) {
  /* the arena starts input 0's planned offset before input 0 */
  const uint8_t *arena = (const uint8_t *)tl_model_input(0) - tl_opcheck_input_offsets[0];
  uint32_t n;
  for (n = 0; n < TL_OPCHECK_TENSORS; ++n) {
    if (tl_opcheck_operators[n] != op_index - 1) continue;
    write_text("TL-OPHASH ");
    write_u32(current_sample);
    write_text(" ");
    write_u32(n);
    write_text(" ");
    write_u32(fnv1a(arena + tl_opcheck_offsets[n], tl_opcheck_bytes[n]));
    write_text("\n");
  }
}

void tl_firmware_run(void) {
  int i;
  tl_hal_init();
  for (current_sample = 0; current_sample < TL_OPCHECK_SAMPLES; ++current_sample) {
    for (i = 0; i < TL_MODEL_NUM_INPUTS; ++i) {
      memcpy(tl_model_input(i), tl_opcheck_inputs[i] + current_sample * tl_model_inputs[i].bytes,
             tl_model_inputs[i].bytes);
    }
    tl_model_invoke();
  }
  write_text("TL-OPCHECK-END\n");
  tl_hal_exit(0);
}
