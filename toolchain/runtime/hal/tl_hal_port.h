/* What a bare-metal console port and counter provide to tl_hal_core.c (internal to the HAL). */
#ifndef TL_HAL_PORT_H
#define TL_HAL_PORT_H

#include <stdint.h>

void tl_console_init(void);        /* UART on, RX interrupt enabled in the peripheral and NVIC/PLIC */
void tl_console_flush(void);       /* returns when the last byte has left the transmitter */
void tl_console_irq_handler(void); /* the port's RX interrupt handler */
/* Makes the console interrupt pending with no data if raise, else the same register write with
   no effect: lets tl_hal_core.c measure an interrupt's cost at boot. */
void tl_console_raise_interrupt(int raise);
void tl_hal_rx_push(uint8_t byte); /* called by the RX interrupt handler */
void tl_hal_console_interrupt(void); /* what the vector table / trap dispatch calls: the handler, timed */
void tl_counter_init(void);
uint32_t tl_counter_now(void); /* the counter source (counter_<source>.c); tl_hal_counter() returns it */
void tl_board_led_init(void);   /* the LED port (led_<driver>.c, led_none.c) */
void tl_board_led(int on);

#endif /* TL_HAL_PORT_H */
