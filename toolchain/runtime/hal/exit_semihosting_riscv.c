/* Emulator exit on RISC-V: semihosting SYS_EXIT_EXTENDED (0x20), the trap sequence being
   slli/ebreak/srai uncompressed and in one 16-byte window, as the RISC-V semihosting spec asks. */
#include "tl_board.h"
#include "tl_hal.h"
#include "tl_hal_port.h"

void tl_hal_exit(int code) {
  tl_console_flush();
  volatile uint32_t block[2] = {0x20026u, (uint32_t)code};
  register uint32_t op __asm__("a0") = 0x20u;
  register volatile uint32_t *arg __asm__("a1") = block;
  __asm__ volatile(".option push\n\t.option norvc\n\t.balign 16\n\t"
                   "slli zero, zero, 0x1f\n\tebreak\n\tsrai zero, zero, 7\n\t.option pop"
                   : "+r"(op)
                   : "r"(arg)
                   : "memory");
  for (;;) {
    tl_arch_wait_for_interrupt();
  }
}
