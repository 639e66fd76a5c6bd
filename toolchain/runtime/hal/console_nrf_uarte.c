/* nRF52840 UARTE (EasyDMA UART): register-level, RX by one-byte DMA transfers ended by an
   interrupt. Offsets from the nRF52840 product specification: tasks STARTRX 0x000, STARTTX 0x008,
   STOPTX 0x00C; events ENDRX 0x110, ENDTX 0x120, TXSTOPPED 0x158; INTENSET 0x304; ENABLE 0x500;
   PSEL.TXD 0x50C, PSEL.RXD 0x514; BAUDRATE 0x524; RXD.PTR/MAXCNT 0x534/0x538;
   TXD.PTR/MAXCNT 0x544/0x548; CONFIG 0x56C. DMA reads RAM only, so TX goes through a RAM buffer. */
#include "tl_board.h"
#include "tl_hal.h"
#include "tl_hal_port.h"

#define UARTE(off) TL_REG32(TL_CONSOLE_BASE + (off))
#define TASK_STARTRX UARTE(0x000u)
#define TASK_STARTTX UARTE(0x008u)
#define EVENT_ENDRX UARTE(0x110u)
#define EVENT_ENDTX UARTE(0x120u)
#define INTENSET UARTE(0x304u)
#define ENABLE UARTE(0x500u)
#define PSEL_TXD UARTE(0x50Cu)
#define PSEL_RXD UARTE(0x514u)
#define BAUDRATE UARTE(0x524u)
#define RXD_PTR UARTE(0x534u)
#define RXD_MAXCNT UARTE(0x538u)
#define RXD_AMOUNT UARTE(0x53Cu)
#define TXD_PTR UARTE(0x544u)
#define TXD_MAXCNT UARTE(0x548u)
#define CONFIG UARTE(0x56Cu)

#define ENABLE_UARTE 8u
#define INT_ENDRX (1u << 4)
#define TX_CHUNK 64u

/* BAUDRATE register value: round(baud * 2^32 / 16 MHz), low 12 bits cleared as the part expects. */
#define BAUD_WORD ((uint32_t)((((uint64_t)TL_CONSOLE_BAUD << 32) + 8000000u) / 16000000u) & 0xFFFFF000u)

/* One byte per DMA transfer (MAXCNT 1), but room for a burst: the part stops at MAXCNT and holds
   later bytes in its FIFO until STARTRX, while Renode's UARTE model keeps writing them behind the
   buffer once ENDRX is cleared. Here they land in this buffer (the host never has more than the
   RX window in flight) instead of in the variables that follow it, and are pushed too. */
static volatile uint8_t rx_dma[TL_HAL_RX_BUFFER_BYTES];
static uint8_t tx_buffer[TX_CHUNK];

void tl_console_init(void) {
  PSEL_TXD = TL_CONSOLE_TX_PIN;
  PSEL_RXD = TL_CONSOLE_RX_PIN;
  BAUDRATE = BAUD_WORD;
  CONFIG = 0; /* 8N1, no flow control */
  ENABLE = ENABLE_UARTE;
  RXD_PTR = (uint32_t)(uintptr_t)rx_dma;
  RXD_MAXCNT = 1;
  EVENT_ENDRX = 0;
  INTENSET = INT_ENDRX;
  tl_arch_enable_irq(TL_CONSOLE_IRQ);
  TASK_STARTRX = 1;
}

void tl_console_irq_handler(void) {
  if (EVENT_ENDRX) {
    EVENT_ENDRX = 0;
    uint32_t pushed = 0;
    while (pushed < RXD_AMOUNT && pushed < sizeof rx_dma) { /* re-read: the model may add bytes meanwhile */
      tl_hal_rx_push(rx_dma[pushed++]);
    }
    TASK_STARTRX = 1; /* next byte */
  }
}

void tl_hal_write(const uint8_t *buf, size_t n) {
  while (n > 0) {
    size_t chunk = n < TX_CHUNK ? n : TX_CHUNK;
    for (size_t i = 0; i < chunk; i++) {
      tx_buffer[i] = buf[i];
    }
    EVENT_ENDTX = 0;
    TXD_PTR = (uint32_t)(uintptr_t)tx_buffer;
    TXD_MAXCNT = (uint32_t)chunk;
    TASK_STARTTX = 1;
    while (!EVENT_ENDTX) {
    }
    buf += chunk;
    n -= chunk;
  }
}

void tl_console_flush(void) {} /* tl_hal_write returns only after ENDTX */
