/* Boards whose data names no user LED. */
#include "tl_hal_port.h"

void tl_board_led_init(void) {}

void tl_board_led(int on) { (void)on; }
