/* User LED on an nRF52 GPIO pin: DIRSET makes it an output, OUTSET/OUTCLR drive it. */
#include "tl_board.h"
#include "tl_hal_port.h"

#define GPIO_OUTSET TL_REG32(TL_LED_PORT + 0x508u)
#define GPIO_OUTCLR TL_REG32(TL_LED_PORT + 0x50Cu)
#define GPIO_DIRSET TL_REG32(TL_LED_PORT + 0x518u)

void tl_board_led_init(void) {
  tl_board_led(0);
  GPIO_DIRSET = 1u << TL_LED_PIN;
}

void tl_board_led(int on) {
  int high = TL_LED_ACTIVE_LOW ? !on : on;
  if (high) {
    GPIO_OUTSET = 1u << TL_LED_PIN;
  } else {
    GPIO_OUTCLR = 1u << TL_LED_PIN;
  }
}
