/* The board-independent half of the bare-metal HAL: RX ring buffer, race-free sleep, init order.
   The console port (tl_console_*), counter (tl_counter_*) and arch header come from the board. */
#include "tl_board.h"
#include "tl_hal.h"
#include "tl_hal_port.h"
#include "tl_ring.h"

static tl_ring rx_ring;
static volatile uint32_t interrupt_counts;

void tl_hal_rx_push(uint8_t byte) { tl_ring_put(&rx_ring, byte); }

/* Bytes the host sends while a model runs (the next sample's chunks) interrupt the inference;
   their handler's work is counted here so the firmware can take it out of the inference's count.
   Masking the RX interrupt instead would overrun the UART's one-byte (or short FIFO) receiver. */
void tl_hal_console_interrupt(void) {
  uint32_t started = tl_counter_now();
  tl_console_irq_handler();
  interrupt_counts += tl_counter_now() - started;
}

/* The firmware's own counter reads (before and after each inference) come through here only,
   never the interrupt accounting above: Renode logs its instruction count at each call. */
uint32_t tl_hal_counter(void) { return tl_counter_now(); }

uint32_t tl_hal_counter_in_interrupts(void) { return interrupt_counts; }

void tl_hal_init(void) {
  tl_arch_irq_disable();
  tl_counter_init();
  tl_board_led_init();
  tl_console_init();
  tl_arch_irq_enable();
}

size_t tl_hal_read(uint8_t *buf, size_t max) { return tl_ring_get(&rx_ring, buf, max); }

uint32_t tl_hal_rx_overflows(void) { return rx_ring.overflows; }

void tl_hal_wait_for_input(void) {
  /* With interrupts masked, a pending RX interrupt still ends wfi; it is taken right after the
     unmask. So a byte arriving after the emptiness check cannot be slept through. */
  tl_arch_irq_disable();
  if (tl_ring_empty(&rx_ring)) {
    tl_arch_wait_for_interrupt();
  }
  tl_arch_irq_enable();
}

void tl_hal_led(int on) { tl_board_led(on); }
