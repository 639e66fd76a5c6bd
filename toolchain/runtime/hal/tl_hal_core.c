/* The board-independent half of the bare-metal HAL: RX ring buffer, race-free sleep, init order.
   The console port (tl_console_*), counter (tl_counter_*) and arch header come from the board. */
#include "tl_board.h"
#include "tl_hal.h"
#include "tl_hal_port.h"
#include "tl_ring.h"

static tl_ring rx_ring;
static volatile uint32_t interrupt_counts;  /* counted inside the timed handler */
static volatile uint32_t interrupts_taken;
/* What each console interrupt costs outside the timed handler (exception entry and exit, the
   call into it, trap dispatch), in 1/256 counter units: measured at boot by
   calibrate_interrupt_cost(). */
static uint32_t untimed_per_interrupt_q8;

void tl_hal_rx_push(uint8_t byte) { tl_ring_put(&rx_ring, byte); }

/* Bytes the host sends while a model runs (the next sample's chunks) interrupt the inference;
   their handler's work is counted here so the firmware can take it out of the inference's count.
   Masking the RX interrupt instead would overrun the UART's one-byte (or short FIFO) receiver. */
void tl_hal_console_interrupt(void) {
  uint32_t started = tl_counter_now();
  tl_console_irq_handler();
  interrupt_counts += tl_counter_now() - started;
  interrupts_taken++;
}

/* The firmware's own counter reads (before and after each inference) come through here only,
   never the interrupt accounting above: Renode logs its instruction count at each call, so it
   stays a call of its own. */
__attribute__((noinline)) uint32_t tl_hal_counter(void) { return tl_counter_now(); }

/* With interrupts masked, the counter and the interrupts' share are read as one: an interrupt
   pending meanwhile runs after both, wholly inside or wholly outside the window being timed. */
uint32_t tl_hal_counter_outside_interrupts(void) {
  tl_arch_irq_disable();
  uint32_t untimed = (uint32_t)(((uint64_t)interrupts_taken * untimed_per_interrupt_q8) >> 8);
  uint32_t in_interrupts = interrupt_counts + untimed;
  uint32_t now = tl_hal_counter(); /* last in, first out of the timed window: it counts itself least */
  tl_arch_irq_enable();
  return now - in_interrupts;
}

#define CALIBRATION_INTERRUPTS 256u

static uint32_t time_raising(int raise) {
  uint32_t start = tl_counter_now();
  for (uint32_t i = 0; i < CALIBRATION_INTERRUPTS; i++) {
    tl_console_raise_interrupt(raise);
  }
  return tl_counter_now() - start;
}

/* The loop without interrupts: repeated while a host byte lands in it (a host may send as soon
   as it connects), since such an interrupt would count as loop time. */
static uint32_t time_quiet_loop(void) {
  uint32_t taken, quiet;
  do {
    taken = interrupts_taken;
    quiet = time_raising(0);
  } while (taken != interrupts_taken);
  return quiet;
}

/* The same loop twice, raising the console interrupt (no data: the handler finds nothing) and
   not: the difference is the interrupts' whole cost, and what the handler timed itself is
   known. A host byte during the raising loop is counted in both totals, so it cannot skew them. */
static void calibrate_interrupt_cost(void) {
  uint32_t quiet = time_quiet_loop();
  uint32_t timed = interrupt_counts, taken = interrupts_taken;
  uint32_t raised = time_raising(1);
  uint32_t interrupts = interrupts_taken - taken, inside = interrupt_counts - timed;
  uint32_t outside = raised - quiet - inside;
  if (interrupts == 0 || raised < quiet + inside || outside >= (1u << 24)) {
    return; /* counter not modelled (reads 0) or noise larger than the cost: subtract none */
  }
  untimed_per_interrupt_q8 = (outside << 8) / interrupts; /* 32-bit: no 64-bit division routine */
}

void tl_hal_init(void) {
  tl_arch_irq_disable();
  tl_counter_init();
  tl_board_led_init();
  tl_console_init();
  tl_arch_irq_enable();
  calibrate_interrupt_cost();
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
