/* tinylarge HAL: the only interface between the portable firmware core (main, self-test,
   HIL protocol) and one board. One port per console driver, one counter per counter source;
   the generator picks the files from the board data. Portable C99, no heap. */
#ifndef TL_HAL_H
#define TL_HAL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes the UART RX interrupt can buffer while the core is busy (a power of two). The
   HIL protocol must never send a frame larger than this before the device answers. */
#ifndef TL_HAL_RX_BUFFER_BYTES
#define TL_HAL_RX_BUFFER_BYTES 1024u
#endif

/* Console UART, counter and LED ready; interrupts enabled. Called once, first thing in main. */
void tl_hal_init(void);

/* Sends n bytes; returns when all of them are in the UART (blocking, never drops). */
void tl_hal_write(const uint8_t *buf, size_t n);

/* Copies up to max already-received bytes out of the RX ring buffer; never blocks.
   Returns how many were copied (0 when the buffer is empty). */
size_t tl_hal_read(uint8_t *buf, size_t max);

/* Sleeps (wfi) until something may have arrived. Returns at once when the RX buffer already
   holds data; the check and the sleep are made race-free (interrupts masked around them), so a
   byte that arrives between the check and the wfi still wakes the core. May return spuriously:
   callers loop on tl_hal_read. */
void tl_hal_wait_for_input(void);

/* Bytes dropped because the RX ring buffer was full (since init). */
uint32_t tl_hal_rx_overflows(void);

/* A free-running 32-bit work counter; the difference of two reads (unsigned, wraps) measures
   what lies between them. Unit: tl_hal_counter_unit(). */
uint32_t tl_hal_counter(void);

/* tl_hal_counter() less the units spent in the console's RX interrupts since init (their handler
   timed, their entry, exit and dispatch as calibrated at boot): the difference of two reads is
   the work of the code between them alone. tl_hal_counter() itself where a framework owns the
   interrupt (Arduino). */
uint32_t tl_hal_counter_outside_interrupts(void);

/* "cycles" (DWT->CYCCNT, esp cycle counter on real boards), "instructions" (emulators run with
   -icount shift=0: SysTick or minstret) or "microseconds" (boards with neither). */
const char *tl_hal_counter_unit(void);

/* Drives the board's user LED where it has one; a no-op elsewhere. */
void tl_hal_led(int on);

/* Ends the program: semihosting exit with this code on emulators (QEMU exits with it),
   a reset/park loop on boards. Flushes the console first. Never returns. */
void tl_hal_exit(int code)
#if defined(__GNUC__)
    __attribute__((noreturn))
#endif
    ;

#ifdef __cplusplus
}
#endif

#endif /* TL_HAL_H */
