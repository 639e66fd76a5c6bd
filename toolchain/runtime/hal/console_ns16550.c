/* NS16550A UART (QEMU riscv virt): register-level, RX interrupt through the PLIC.
   Registers (byte wide): RBR/THR 0, IER 1 (bit0 RX data, bit1 THR empty), FCR 2, LCR 3 (bit7 DLAB), LSR 5
   (bit0 data ready, bit5 THR empty, bit6 transmitter empty); DLL/DLM at 0/1 while DLAB=1. */
#include "tl_board.h"
#include "tl_hal.h"
#include "tl_hal_port.h"

#define UART8(off) (*(volatile uint8_t *)(uintptr_t)(TL_CONSOLE_BASE + (off)))
#define RBR UART8(0u)
#define THR UART8(0u)
#define DLL UART8(0u)
#define DLM UART8(1u)
#define IER UART8(1u)
#define FCR UART8(2u)
#define LCR UART8(3u)
#define LSR UART8(5u)

#define LSR_DATA_READY 0x01u
#define LSR_THR_EMPTY 0x20u
#define LSR_TX_IDLE 0x40u
#define IER_RX_DATA 0x01u
#define IER_THR_EMPTY 0x02u

void tl_console_init(void) {
  uint32_t divisor = TL_CONSOLE_CLOCK_HZ / (16u * TL_CONSOLE_BAUD);
  LCR = 0x80u; /* DLAB: divisor latch */
  DLL = (uint8_t)(divisor & 0xFFu);
  DLM = (uint8_t)(divisor >> 8);
  LCR = 0x03u; /* 8N1 */
  FCR = 0x07u; /* FIFOs on and cleared */
  IER = IER_RX_DATA;
  tl_arch_enable_irq(TL_CONSOLE_IRQ);
}

void tl_console_irq_handler(void) {
  IER = IER_RX_DATA; /* ends a raised THR-empty interrupt (tl_console_raise_interrupt) */
  while (LSR & LSR_DATA_READY) {
    tl_hal_rx_push(RBR);
  }
}

/* The PLIC cannot pend a source by software; enabling the THR-empty interrupt while the
   transmitter is idle raises the console's own interrupt at once. */
void tl_console_raise_interrupt(int raise) {
  while (!(LSR & LSR_THR_EMPTY)) {
  }
  IER = (uint8_t)(IER_RX_DATA | (uint32_t)(raise != 0) * IER_THR_EMPTY);
}

void tl_hal_write(const uint8_t *buf, size_t n) {
  for (size_t i = 0; i < n; i++) {
    while (!(LSR & LSR_THR_EMPTY)) {
    }
    THR = buf[i];
  }
}

void tl_console_flush(void) {
  while (!(LSR & LSR_TX_IDLE)) {
  }
}
