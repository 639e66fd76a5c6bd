/* Trap dispatch for bare-metal RV32: external interrupts go through the PLIC claim/complete
   cycle to the console; any exception parks the core (nothing else is expected to trap). */
#include "tl_board.h"
#include "tl_hal_port.h"

void tl_trap_handler(void);

#define MCAUSE_INTERRUPT 0x80000000u
#define MCAUSE_MACHINE_EXTERNAL 11u

void tl_trap_handler(void) {
  uint32_t cause;
  __asm__ volatile("csrr %0, mcause" : "=r"(cause));
  if (cause == (MCAUSE_INTERRUPT | MCAUSE_MACHINE_EXTERNAL)) {
    uint32_t source = TL_PLIC_CLAIM;
    if (source == (uint32_t)TL_CONSOLE_IRQ) {
      tl_hal_console_interrupt();
    }
    TL_PLIC_CLAIM = source; /* complete */
    return;
  }
  for (;;) {
    tl_arch_wait_for_interrupt();
  }
}
