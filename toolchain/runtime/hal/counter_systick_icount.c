/* Instruction counter for QEMU run with -icount shift=0: one instruction is 1 ns of virtual
   time, so SysTick ticks (processor clock) times TL_COUNTER_NUM / TL_COUNTER_DEN (ns per tick
   as a reduced fraction) count instructions. The 24-bit SysTick is extended by its wrap
   interrupt. */
#include "tl_board.h"
#include "tl_hal.h"
#include "tl_hal_port.h"

#define SYST_ENABLE 0x1u
#define SYST_TICKINT 0x2u
#define SYST_CLKSOURCE_CPU 0x4u
#define SYST_RELOAD 0x00FFFFFFu

static volatile uint32_t wraps;

void tl_systick_handler(void) { wraps++; }

void tl_counter_init(void) {
  TL_SYST_RVR = SYST_RELOAD;
  TL_SYST_CVR = 0;
  TL_SYST_CSR = SYST_ENABLE | SYST_TICKINT | SYST_CLKSOURCE_CPU;
}

static uint64_t ticks(void) {
  uint32_t high, value;
  do { /* re-read if the counter wrapped in between */
    high = wraps;
    value = TL_SYST_CVR;
  } while (high != wraps);
  return ((uint64_t)high << 24) + (SYST_RELOAD - value);
}

uint32_t tl_hal_counter(void) { return (uint32_t)(ticks() * TL_COUNTER_NUM / TL_COUNTER_DEN); }

const char *tl_hal_counter_unit(void) { return "instructions"; }
