/* STM32F4 USART (USART1/2/3/6, same block on F405/F407/F446): register-level, RX interrupt.
   Registers (RM0090): SR 0x00 (RXNE bit5, TC bit6, TXE bit7), DR 0x04, BRR 0x08,
   CR1 0x0C (RE bit2, TE bit3, RXNEIE bit5, UE bit13). Runs on the reset clock (HSI): no PLL,
   no waiting on RCC ready bits, which Renode models poorly. */
#include "tl_board.h"
#include "tl_hal.h"
#include "tl_hal_port.h"

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

#define GPIO_MODER(port) TL_REG32((port) + 0x00u)
#define GPIO_AFR(port, pin) TL_REG32((port) + 0x20u + 4u * ((pin) >> 3))

/* Alternate function `af` on one pin: MODER = 0b10, AFRL/AFRH nibble = af. */
static void route_pin(uint32_t port, unsigned pin, unsigned af) {
  GPIO_MODER(port) = (GPIO_MODER(port) & ~(3u << (2u * pin))) | (2u << (2u * pin));
  unsigned shift = 4u * (pin & 7u);
  GPIO_AFR(port, pin) = (GPIO_AFR(port, pin) & ~(0xFu << shift)) | ((uint32_t)af << shift);
}

static const uint32_t clock_enables[][2] = {TL_CONSOLE_CLOCK_ENABLES}; /* {RCC register, bit} */

void tl_console_init(void) {
  for (size_t i = 0; i < sizeof clock_enables / sizeof clock_enables[0]; i++) {
    TL_REG32(clock_enables[i][0]) |= 1u << clock_enables[i][1];
  }
  (void)TL_REG32(clock_enables[0][0]); /* read back: the clock is on before the first access */
  route_pin(TL_CONSOLE_GPIO_PORT, TL_CONSOLE_TX_PIN, TL_CONSOLE_PIN_AF);
  route_pin(TL_CONSOLE_GPIO_PORT, TL_CONSOLE_RX_PIN, TL_CONSOLE_PIN_AF);
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
