/* STM32 USART of the newer register layout (H7, F7, L4, G4...): register-level, RX interrupt.
   Registers (RM0433 for H7): CR1 0x00 (UE bit0, RE bit2, TE bit3, RXNEIE bit5; FIFO stays off),
   BRR 0x0C, ISR 0x1C (ORE bit3, RXNE bit5, TC bit6, TXE bit7), ICR 0x20 (ORECF bit3), RDR 0x24,
   TDR 0x28. Runs on the reset clocks: no PLL, no waiting on RCC ready bits, which Renode models
   poorly. */
#include "tl_board.h"
#include "tl_hal.h"
#include "tl_hal_port.h"
#include "tl_stm32_pins.h"

#define USART_CR1 TL_REG32(TL_CONSOLE_BASE + 0x00u)
#define USART_BRR TL_REG32(TL_CONSOLE_BASE + 0x0Cu)
#define USART_ISR TL_REG32(TL_CONSOLE_BASE + 0x1Cu)
#define USART_ICR TL_REG32(TL_CONSOLE_BASE + 0x20u)
#define USART_RDR TL_REG32(TL_CONSOLE_BASE + 0x24u)
#define USART_TDR TL_REG32(TL_CONSOLE_BASE + 0x28u)

#define ISR_ORE 0x08u
#define ISR_RXNE 0x20u
#define ISR_TC 0x40u
#define ISR_TXE 0x80u
#define ICR_ORECF 0x08u
#define CR1_UE 0x01u
#define CR1_RE 0x04u
#define CR1_TE 0x08u
#define CR1_RXNEIE 0x20u

void tl_console_init(void) {
  tl_stm32_console_pins_init();
  USART_BRR = (TL_CONSOLE_CLOCK_HZ + TL_CONSOLE_BAUD / 2u) / TL_CONSOLE_BAUD; /* oversampling 16 */
  USART_CR1 = CR1_UE | CR1_TE | CR1_RE | CR1_RXNEIE;
  tl_arch_enable_irq(TL_CONSOLE_IRQ);
}

void tl_console_irq_handler(void) {
  uint32_t isr = USART_ISR;
  if (isr & ISR_RXNE) {
    tl_hal_rx_push((uint8_t)USART_RDR); /* reading RDR clears RXNE */
  }
  if (isr & ISR_ORE) {
    USART_ICR = ICR_ORECF; /* an overrun keeps the interrupt asserted until cleared here */
  }
}

void tl_hal_write(const uint8_t *buf, size_t n) {
  for (size_t i = 0; i < n; i++) {
    while (!(USART_ISR & ISR_TXE)) {
    }
    USART_TDR = buf[i];
  }
}

void tl_console_flush(void) {
  while (!(USART_ISR & ISR_TC)) {
  }
}
