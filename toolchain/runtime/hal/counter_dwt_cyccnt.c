/* Cycle counter on real Cortex-M3/M4/M7/M33/M55 parts: DWT->CYCCNT (reads 0 under QEMU). */
#include "tl_board.h"
#include "tl_hal.h"
#include "tl_hal_port.h"

#define DEMCR_TRCENA (1u << 24)
#define DWT_CYCCNTENA 0x1u
#define DWT_UNLOCK 0xC5ACCE55u /* Cortex-M7 locks the DWT after reset */

void tl_counter_init(void) {
  TL_DEMCR |= DEMCR_TRCENA;
  TL_DWT_LAR = DWT_UNLOCK;
  TL_DWT_CYCCNT = 0;
  TL_DWT_CTRL |= DWT_CYCCNTENA;
}

uint32_t tl_counter_now(void) { return TL_DWT_CYCCNT; }

const char *tl_hal_counter_unit(void) { return "cycles"; }
