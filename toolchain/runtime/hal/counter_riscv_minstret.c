/* Instruction counter on RV32: minstret (QEMU counts retired instructions exactly with -icount). */
#include "tl_hal.h"
#include "tl_hal_port.h"

void tl_counter_init(void) {}

uint32_t tl_counter_now(void) {
  uint32_t value;
  __asm__ volatile("csrr %0, minstret" : "=r"(value));
  return value;
}

const char *tl_hal_counter_unit(void) { return "instructions"; }
