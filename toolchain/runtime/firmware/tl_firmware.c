/* Identity line and self-test, formatted without printf (no libc formatting on the device). */
#include "tl_firmware.h"

#include <string.h>

#include "tl_board.h"
#include "tl_hal.h"
#include "tl_runtime.h"

static void put_text(const char *text) { tl_hal_write((const uint8_t *)text, strlen(text)); }

static void put_uint(uint32_t value) {
  char digits[10];
  int n = 0;
  do {
    digits[n++] = (char)('0' + value % 10u);
    value /= 10u;
  } while (value != 0u);
  while (n > 0) {
    uint8_t c = (uint8_t)digits[--n];
    tl_hal_write(&c, 1);
  }
}

static const char *dtype_name(int32_t dtype) {
  switch (dtype) {
    case TL_DTYPE_FLOAT32: return "float32";
    case TL_DTYPE_INT32: return "int32";
    case TL_DTYPE_UINT8: return "uint8";
    case TL_DTYPE_INT64: return "int64";
    case TL_DTYPE_BOOL: return "bool";
    case TL_DTYPE_INT16: return "int16";
    case TL_DTYPE_INT8: return "int8";
    default: return "unknown";
  }
}

/* "int8[1,49,10,1]" per tensor, ';' between tensors. */
static void put_tensors(const tl_io_info *infos, int count) {
  for (int t = 0; t < count; t++) {
    if (t > 0) put_text(";");
    put_text(dtype_name(infos[t].dtype));
    put_text("[");
    for (int d = 0; d < infos[t].rank; d++) {
      if (d > 0) put_text(",");
      put_uint((uint32_t)infos[t].dims[d]);
    }
    put_text("]");
  }
}

void tl_print_identity(void) {
  put_text("TL-IDENTITY board=" TL_BOARD_NAME " runtime=" TL_RUNTIME_VERSION " model=" TL_MODEL_NAME
           " hash=" TL_MODEL_HASH " arena=");
  put_uint((uint32_t)TL_MODEL_ARENA_BYTES);
  put_text(" counter=");
  put_text(tl_hal_counter_unit());
  put_text(" inputs=");
  put_tensors(tl_model_inputs, TL_MODEL_NUM_INPUTS);
  put_text(" outputs=");
  put_tensors(tl_model_outputs, TL_MODEL_NUM_OUTPUTS);
  put_text("\n");
}

/* Kept out of line and opaque to interprocedural analysis, so GCC cannot move any of the
   model's work out from between the two counter reads. The console's RX interrupts during the
   run (the host streams the next sample's chunks meanwhile) are taken out: the count is the
   inference's own work. */
__attribute__((noinline, noipa)) static int invoke_measured(uint32_t *count) {
  uint32_t start = tl_hal_counter_outside_interrupts();
  int status = tl_model_invoke();
  *count = tl_hal_counter_outside_interrupts() - start;
  return status;
}

int tl_run_selftest(void) {
  for (int i = 0; i < TL_MODEL_NUM_INPUTS; i++) {
    memcpy(tl_model_input(i), tl_selftest_inputs[i], tl_model_inputs[i].bytes);
  }
  uint32_t count = 0;
  int status = invoke_measured(&count);
  if (status != 0) {
    put_text("TL-SELFTEST ERROR invoke=");
    put_uint((uint32_t)status);
    put_text("\n");
    return 0;
  }
  uint32_t mismatched = 0, total = 0, first_output = 0, first_offset = 0;
  for (int o = 0; o < TL_MODEL_NUM_OUTPUTS; o++) {
    const uint8_t *got = (const uint8_t *)tl_model_output(o);
    for (uint32_t b = 0; b < tl_model_outputs[o].bytes; b++, total++) {
      if (got[b] != tl_selftest_outputs[o][b] && mismatched++ == 0u) {
        first_output = (uint32_t)o;
        first_offset = b;
      }
    }
  }
  put_text(mismatched == 0u ? "TL-SELFTEST PASS " : "TL-SELFTEST FAIL ");
  put_uint(count);
  put_text(" ");
  put_text(tl_hal_counter_unit());
  if (mismatched != 0u) {
    put_text(" mismatched=");
    put_uint(mismatched);
    put_text("/");
    put_uint(total);
    put_text(" first=");
    put_uint(first_output);
    put_text(":");
    put_uint(first_offset);
  }
  put_text("\n");
  return mismatched == 0u;
}
