/* Reset handler and vector table for bare-metal Cortex-M boards. Memory symbols come from the
   generated linker script, the vector count and the console IRQ from tl_board.h. */
#include <stdint.h>
#include <string.h>

#include "tl_board.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
void tl_firmware_run(void); /* the portable core's entry, never returns */
int main(void);

typedef void (*tl_vector)(void);

/* A conventional main, so toolchains that link a C runtime start-up object still resolve it. */
int main(void) {
  tl_firmware_run();
  return 0;
}

void tl_reset_handler(void);
void tl_default_handler(void);
void tl_hal_console_interrupt(void);
void tl_systick_handler(void) __attribute__((weak, alias("tl_default_handler")));

void tl_default_handler(void) {
  for (;;) {
  }
}
extern const tl_vector tl_vectors[16 + TL_NUM_IRQS];

/* Every Cortex-M console port shares this: the NVIC pends any interrupt by software. Writing a
   zero bit is the no-op twin; the barriers make the interrupt taken before the next write. */
void tl_console_raise_interrupt(int raise) {
  TL_NVIC_ISPR((unsigned)TL_CONSOLE_IRQ >> 5) = (uint32_t)(raise != 0) << ((unsigned)TL_CONSOLE_IRQ & 31u);
  __asm__ volatile("dsb\n\tisb" ::: "memory");
}

void tl_reset_handler(void) {
  TL_SCB_VTOR = (uint32_t)(uintptr_t)tl_vectors; /* boards that load the image away from 0x0 */
#if TL_HAS_FPU
  TL_SCB_CPACR |= 0xFu << 20; /* CP10 + CP11 full access before any float code runs */
  __asm__ volatile("dsb\n\tisb");
#endif
  memcpy(&_sdata, &_sidata, (size_t)((uintptr_t)&_edata - (uintptr_t)&_sdata));
  memset(&_sbss, 0, (size_t)((uintptr_t)&_ebss - (uintptr_t)&_sbss));
  main();
  for (;;) {
  }
}

typedef void (*tl_vector)(void);

/* 16 system exceptions, then TL_NUM_IRQS external interrupts; only the console's is used.
   The GNU range initialiser fills the rest, the later entries override it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
__attribute__((section(".isr_vector"), used)) const tl_vector tl_vectors[16 + TL_NUM_IRQS] = {
    [0] = (tl_vector)(uintptr_t)&_estack,
    [1] = tl_reset_handler,
    [2 ... 15 + TL_NUM_IRQS] = tl_default_handler,
    [7] = 0, [8] = 0, [9] = 0, [10] = 0, [13] = 0, /* reserved slots */
    [15] = tl_systick_handler,
    [16 + TL_CONSOLE_IRQ] = tl_hal_console_interrupt, /* the port's handler, timed (tl_hal_core.c) */
};
#pragma GCC diagnostic pop
