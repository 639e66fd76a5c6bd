/* Single-producer (RX interrupt) / single-consumer (main loop) byte ring. Indices only grow;
   the size is a power of two, so head - tail is the fill level even after they wrap. */
#ifndef TL_RING_H
#define TL_RING_H

#include <stddef.h>
#include <stdint.h>

#include "tl_hal.h"

#if (TL_HAL_RX_BUFFER_BYTES & (TL_HAL_RX_BUFFER_BYTES - 1u)) != 0
#error "TL_HAL_RX_BUFFER_BYTES must be a power of two"
#endif

typedef struct {
  volatile uint32_t head; /* written by the interrupt */
  volatile uint32_t tail; /* written by the reader */
  volatile uint32_t overflows;
  uint8_t data[TL_HAL_RX_BUFFER_BYTES];
} tl_ring;

static inline void tl_ring_put(tl_ring *ring, uint8_t byte) {
  uint32_t head = ring->head;
  if (head - ring->tail >= TL_HAL_RX_BUFFER_BYTES) {
    ring->overflows++;
    return;
  }
  ring->data[head & (TL_HAL_RX_BUFFER_BYTES - 1u)] = byte;
  ring->head = head + 1u;
}

static inline int tl_ring_empty(const tl_ring *ring) { return ring->head == ring->tail; }

static inline size_t tl_ring_get(tl_ring *ring, uint8_t *buf, size_t max) {
  uint32_t tail = ring->tail;
  size_t n = 0;
  while (n < max && tail != ring->head) {
    buf[n++] = ring->data[tail & (TL_HAL_RX_BUFFER_BYTES - 1u)];
    tail++;
  }
  ring->tail = tail;
  return n;
}

#endif /* TL_RING_H */
