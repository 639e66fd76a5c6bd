/* Arm CMSDK APB UART (MPS2/MPS3 FPGA images, QEMU mps2 and mps3 machines): register-level, RX interrupt.
   Registers: DATA 0x00, STATE 0x04 (bit0 TX full, bit1 RX full, bit3 RX overrun), CTRL 0x08 (bit0 TX en, bit1 RX en,
   bit3 RX irq en), INTSTATUS/INTCLEAR 0x0C (bit1 RX), BAUDDIV 0x10 (>= 16). */
#include "tl_board.h"
#include "tl_hal.h"
#include "tl_hal_port.h"

#define UART_DATA TL_REG32(TL_CONSOLE_BASE + 0x00u)
#define UART_STATE TL_REG32(TL_CONSOLE_BASE + 0x04u)
#define UART_CTRL TL_REG32(TL_CONSOLE_BASE + 0x08u)
#define UART_INT TL_REG32(TL_CONSOLE_BASE + 0x0Cu)
#define UART_BAUDDIV TL_REG32(TL_CONSOLE_BASE + 0x10u)

#define STATE_TX_FULL 0x1u
#define STATE_RX_FULL 0x2u
#define STATE_RX_OVERRUN 0x8u
#define CTRL_TX_EN 0x1u
#define CTRL_RX_EN 0x2u
#define CTRL_RX_IRQ_EN 0x8u
#define INT_RX 0x2u

void tl_console_init(void) {
  UART_BAUDDIV = TL_CONSOLE_CLOCK_HZ / TL_CONSOLE_BAUD;
  UART_INT = INT_RX;
  UART_CTRL = CTRL_TX_EN | CTRL_RX_EN | CTRL_RX_IRQ_EN; /* QEMU drops TX/RX unless enabled */
  tl_arch_enable_irq(TL_CONSOLE_IRQ);
}

void tl_console_irq_handler(void) {
  UART_INT = INT_RX; /* clear first: a byte arriving while we read raises it again */
  while (UART_STATE & STATE_RX_FULL) {
    tl_hal_rx_push((uint8_t)UART_DATA);
  }
  if (UART_STATE & STATE_RX_OVERRUN) {
    UART_STATE = STATE_RX_OVERRUN; /* write-one-to-clear; the lost byte is gone either way */
  }
}

void tl_hal_write(const uint8_t *buf, size_t n) {
  for (size_t i = 0; i < n; i++) {
    while (UART_STATE & STATE_TX_FULL) {
    }
    UART_DATA = buf[i];
  }
}

void tl_console_flush(void) {
  while (UART_STATE & STATE_TX_FULL) {
  }
}
