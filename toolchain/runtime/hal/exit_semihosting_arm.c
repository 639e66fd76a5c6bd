/* Emulator exit on Arm: semihosting SYS_EXIT_EXTENDED (0x20) with ADP_Stopped_ApplicationExit,
   so QEMU (-semihosting-config enable=on) exits with `code`. */
#include "tl_board.h"
#include "tl_hal.h"
#include "tl_hal_port.h"

void tl_hal_exit(int code) {
  tl_console_flush();
  volatile uint32_t block[2] = {0x20026u, (uint32_t)code};
  register uint32_t op __asm__("r0") = 0x20u;
  register volatile uint32_t *arg __asm__("r1") = block;
  __asm__ volatile("bkpt 0xAB" : "+r"(op) : "r"(arg) : "memory");
  for (;;) {
    tl_arch_wait_for_interrupt();
  }
}
