/* User LED on an STM32 GPIO pin: RCC clock on, MODER = output, BSRR sets/resets the pin
   atomically (low half sets, high half resets). */
#include "tl_board.h"
#include "tl_hal_port.h"

#define GPIO_MODER TL_REG32(TL_LED_PORT + 0x00u)
#define GPIO_BSRR TL_REG32(TL_LED_PORT + 0x18u)

void tl_board_led_init(void) {
  TL_REG32(TL_LED_CLOCK_REGISTER) |= 1u << TL_LED_CLOCK_BIT;
  (void)TL_REG32(TL_LED_CLOCK_REGISTER); /* clock on before the first GPIO access */
  GPIO_MODER = (GPIO_MODER & ~(3u << (2u * TL_LED_PIN))) | (1u << (2u * TL_LED_PIN));
  tl_board_led(0);
}

void tl_board_led(int on) {
  int high = TL_LED_ACTIVE_LOW ? !on : on;
  GPIO_BSRR = high ? (1u << TL_LED_PIN) : (1u << (TL_LED_PIN + 16u));
}
