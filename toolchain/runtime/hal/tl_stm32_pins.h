/* Console set-up shared by the STM32 USART ports: RCC clock enables, then both pins to their
   alternate function. GPIO blocks have the same layout on F4, F7, H7 and L4 (MODER, AFRL/AFRH). */
#ifndef TL_STM32_PINS_H
#define TL_STM32_PINS_H

#include <stddef.h>
#include <stdint.h>

#include "tl_board.h"

#define TL_GPIO_MODER(port) TL_REG32((port) + 0x00u)
#define TL_GPIO_AFR(port, pin) TL_REG32((port) + 0x20u + 4u * ((pin) >> 3))

/* Alternate function `af` on one pin: MODER = 0b10, AFRL/AFRH nibble = af. */
static inline void tl_stm32_route_pin(uint32_t port, unsigned pin, unsigned af) {
  TL_GPIO_MODER(port) = (TL_GPIO_MODER(port) & ~(3u << (2u * pin))) | (2u << (2u * pin));
  unsigned shift = 4u * (pin & 7u);
  TL_GPIO_AFR(port, pin) = (TL_GPIO_AFR(port, pin) & ~(0xFu << shift)) | ((uint32_t)af << shift);
}

/* Clocks on (read back, so they are running before the first access), TX and RX routed. */
static inline void tl_stm32_console_pins_init(void) {
  static const uint32_t clock_enables[][2] = {TL_CONSOLE_CLOCK_ENABLES}; /* {RCC register, bit} */
  for (size_t i = 0; i < sizeof clock_enables / sizeof clock_enables[0]; i++) {
    TL_REG32(clock_enables[i][0]) |= 1u << clock_enables[i][1];
  }
  (void)TL_REG32(clock_enables[0][0]);
  tl_stm32_route_pin(TL_CONSOLE_GPIO_PORT, TL_CONSOLE_TX_PIN, TL_CONSOLE_PIN_AF);
  tl_stm32_route_pin(TL_CONSOLE_GPIO_PORT, TL_CONSOLE_RX_PIN, TL_CONSOLE_PIN_AF);
}

#endif /* TL_STM32_PINS_H */
