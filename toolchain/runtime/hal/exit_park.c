/* Boards without a debugger attached: a semihosting call would fault, so park the core asleep
   with the console flushed (the harness resets the board). */
#include "tl_board.h"
#include "tl_hal.h"
#include "tl_hal_port.h"

void tl_hal_exit(int code) {
  (void)code;
  tl_console_flush();
  tl_arch_irq_disable();
  for (;;) {
    tl_arch_wait_for_interrupt();
  }
}
