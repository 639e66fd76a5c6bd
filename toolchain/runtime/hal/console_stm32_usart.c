/* STM32F4 USART (USART1/2/3/6, same block on F405/F407/F446): register-level, RX interrupt.
   Registers (RM0090): SR 0x00 (RXNE bit5, TC bit6, TXE bit7), DR 0x04, BRR 0x08,
   CR1 0x0C (RE bit2, TE bit3, RXNEIE bit5, UE bit13). Runs on the reset clock (HSI): no PLL,
   no waiting on RCC ready bits, which Renode models poorly. */
#include "tl_board.h"
#include "tl_hal.h"
#include "tl_hal_port.h"
#include "tl_stm32_pins.h"

#define USART_SR TL_REG32(TL_CONSOLE_BASE + 0x00u)
#define USART_DR TL_REG32(TL_CONSOLE_BASE + 0x04u)
#define USART_BRR TL_REG32(TL_CONSOLE_BASE + 0x08u)
#define USART_CR1 TL_REG32(TL_CONSOLE_BASE + 0x0Cu)

#define SR_ORE 0x08u
#define SR_RXNE 0x20u
#define SR_TC 0x40u
#define SR_TXE 0x80u
#define CR1_RE 0x0004u
#define CR1_TE 0x0008u
#define CR1_RXNEIE 0x0020u
#define CR1_UE 0x2000u

void tl_console_init(void) {
  tl_stm32_console_pins_init();
  USART_BRR = (TL_CONSOLE_CLOCK_HZ + TL_CONSOLE_BAUD / 2u) / TL_CONSOLE_BAUD; /* oversampling 16 */
  USART_CR1 = CR1_UE | CR1_TE | CR1_RE | CR1_RXNEIE;
  tl_arch_enable_irq(TL_CONSOLE_IRQ);
}

void tl_console_irq_handler(void) {
  uint32_t sr = USART_SR;
  if (sr & (SR_RXNE | SR_ORE)) {
    tl_hal_rx_push((uint8_t)USART_DR); /* reading DR clears RXNE and ORE */
  }
}

void tl_hal_write(const uint8_t *buf, size_t n) {
  for (size_t i = 0; i < n; i++) {
    while (!(USART_SR & SR_TXE)) {
    }
    USART_DR = buf[i];
  }
}

void tl_console_flush(void) {
  while (!(USART_SR & SR_TC)) {
  }
}
