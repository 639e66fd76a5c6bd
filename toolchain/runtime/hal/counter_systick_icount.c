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
#define ICSR_PENDSTSET (1u << 26)
#define ICSR_PENDSTCLR (1u << 25)

static volatile uint32_t wraps;

void tl_systick_handler(void) { wraps++; }

void tl_counter_init(void) {
  TL_SYST_RVR = SYST_RELOAD;
  TL_SYST_CVR = 0;
  TL_SYST_CSR = SYST_ENABLE | SYST_TICKINT | SYST_CLKSOURCE_CPU;
  /* QEMU pends a wrap when the counter first reloads from the cleared 0 (hardware does not):
     drop it, or the first reads after start-up run 2^24 ticks ahead. Interrupts are masked here. */
  while (TL_SYST_CVR == 0) {
  }
  TL_SCB_ICSR = ICSR_PENDSTCLR;
  wraps = 0;
}

static uint64_t ticks(void) {
  uint32_t high, value;
  do { /* re-read if the wrap interrupt ran in between */
    high = wraps;
    value = TL_SYST_CVR;
    if (TL_SCB_ICSR & ICSR_PENDSTSET) {
      /* Wrapped, but the wrap interrupt has not run: we are inside another handler (the console's,
         timed by tl_hal_core.c) or interrupts are masked. Count the wrap, read after it. */
      high++;
      value = TL_SYST_CVR;
    }
  } while (high != wraps && high != wraps + 1u);
  return ((uint64_t)high << 24) + (SYST_RELOAD - value);
}

uint32_t tl_counter_now(void) { return (uint32_t)(ticks() * TL_COUNTER_NUM / TL_COUNTER_DEN); }

const char *tl_hal_counter_unit(void) { return "instructions"; }
