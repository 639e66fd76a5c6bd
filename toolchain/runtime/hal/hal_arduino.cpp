/* HAL port for boards whose console belongs to a framework (Arduino core: STM32duino, mbed
   Nano 33 BLE, arduino-pico, arduino-esp32). The core's Serial buffers RX in its own interrupt;
   waiting yields to the core (delay(1) sleeps the FreeRTOS/mbed idle task) instead of spinning
   on a status register. Counter: micros(), portable across all of them. */
#include <Arduino.h>

#include "tl_board.h"
#include "tl_hal.h"

extern "C" {

void tl_hal_init(void) {
  Serial.begin(TL_CONSOLE_BAUD);
  uint32_t start = millis();
  while (!Serial && millis() - start < 3000u) { /* USB CDC: give the host a moment to open it */
    delay(10);
  }
}

void tl_hal_write(const uint8_t *buf, size_t n) {
  Serial.write(buf, n);
  Serial.flush();
}

size_t tl_hal_read(uint8_t *buf, size_t max) {
  size_t n = 0;
  while (n < max && Serial.available() > 0) {
    int c = Serial.read();
    if (c < 0) {
      break;
    }
    buf[n++] = (uint8_t)c;
  }
  return n;
}

void tl_hal_wait_for_input(void) {
  if (Serial.available() <= 0) {
    delay(1);
  }
}

uint32_t tl_hal_rx_overflows(void) { return 0; } /* Serial does not report its drops */

uint32_t tl_hal_counter(void) { return (uint32_t)micros(); }

uint32_t tl_hal_counter_outside_interrupts(void) { return tl_hal_counter(); } /* the core's Serial ISR cannot be timed from here */

const char *tl_hal_counter_unit(void) { return "microseconds"; }

void tl_hal_led(int on) {
#ifdef LED_BUILTIN
  static int ready;
  if (!ready) {
    pinMode(LED_BUILTIN, OUTPUT);
    ready = 1;
  }
  digitalWrite(LED_BUILTIN, on ? HIGH : LOW);
#else
  (void)on;
#endif
}

void tl_hal_exit(int code) {
  (void)code;
  Serial.flush();
  for (;;) {
    delay(1000);
  }
}

void tl_firmware_run(void); /* the portable core's entry, never returns */

} /* extern "C" */

void setup() { tl_firmware_run(); }

void loop() {}
