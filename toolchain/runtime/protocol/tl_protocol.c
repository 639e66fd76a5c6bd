/* tinylarge HIL protocol, device side (docs/protocol.md has the wire format).

   Receive: bytes from the HAL's RX ring are COBS-decoded on the fly into one static frame buffer;
   a 0x00 ends a frame, whose CRC-32 is checked before anything in it is trusted. Garbage (boot
   text, line noise) simply fails the check and is dropped, and the next 0x00 resynchronises.
   Transmit: frames are COBS-encoded on the fly through a 254-byte block, so a RESULT never needs
   a buffer of its own size. Idempotency: LOAD chunks may arrive twice or out of order (a bitmap
   records which ones arrived), and a RUN repeated for the cached request id replays the cached
   result instead of running the model again. */
#include "tl_protocol.h"

#include <string.h>

#include "tl_hal.h"
#include "tl_model.h"
#include "tl_runtime.h"

#ifndef TL_BOARD_NAME
#error "define TL_BOARD_NAME (the board id) when compiling tl_protocol.c"
#endif
#ifndef TL_BOARD_CLOCK_HZ
#define TL_BOARD_CLOCK_HZ 0u /* unknown: the host then reports latency in counter units only */
#endif
#if !defined(TL_MODEL_INPUT_BYTES_TOTAL) || !defined(TL_MODEL_OUTPUT_BYTES_TOTAL)
#error "tl_model.h must define TL_MODEL_INPUT_BYTES_TOTAL and TL_MODEL_OUTPUT_BYTES_TOTAL"
#endif

/* Request header sizes (bytes before the data). */
#define LOAD_HEADER 9u /* request u32, tensor u8, offset u32 */
#define MAX_PAYLOAD (LOAD_HEADER + TL_PROTOCOL_CHUNK_BYTES)
#define FRAME_MAX (3u + MAX_PAYLOAD + 4u) /* type, seq u16, payload, crc32 */
/* Enough bits for every chunk of every input (each tensor rounds up once). */
#define MAX_CHUNKS (TL_MODEL_INPUT_BYTES_TOTAL / TL_PROTOCOL_CHUNK_BYTES + TL_MODEL_NUM_INPUTS)
#define NO_REQUEST 0u /* request id 0 is never used by the host */

/* ---- CRC-32 (IEEE 802.3, reflected; the same as zlib.crc32), 16-entry table ---- */
static const uint32_t crc_nibble[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
    0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
    0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};

static uint32_t crc_update(uint32_t crc, uint8_t byte) {
  crc ^= byte;
  crc = (crc >> 4) ^ crc_nibble[crc & 15u];
  crc = (crc >> 4) ^ crc_nibble[crc & 15u];
  return crc;
}

static uint32_t get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* ---- transmit: streaming COBS encoder ---- */
static uint8_t tx_block[254];
static uint8_t tx_fill;
static uint32_t tx_crc;

static void cobs_flush(void) {
  uint8_t code = (uint8_t)(tx_fill + 1u);
  tl_hal_write(&code, 1);
  tl_hal_write(tx_block, tx_fill);
  tx_fill = 0;
}

static void cobs_put(uint8_t byte) {
  if (byte == 0) {
    cobs_flush();
    return;
  }
  tx_block[tx_fill++] = byte;
  if (tx_fill == 254u) cobs_flush(); /* code 0xFF: a full block, no zero implied after it */
}

static void tx_u8(uint8_t v) {
  tx_crc = crc_update(tx_crc, v);
  cobs_put(v);
}
static void tx_u16(uint16_t v) {
  tx_u8((uint8_t)v);
  tx_u8((uint8_t)(v >> 8));
}
static void tx_u32(uint32_t v) {
  tx_u16((uint16_t)v);
  tx_u16((uint16_t)(v >> 16));
}
static void tx_bytes(const uint8_t *p, size_t n) {
  size_t i;
  for (i = 0; i < n; ++i) tx_u8(p[i]);
}
/* Length-prefixed text, at most 255 bytes. */
static void tx_text(const char *s) {
  size_t n = strlen(s);
  if (n > 255u) n = 255u;
  tx_u8((uint8_t)n);
  tx_bytes((const uint8_t *)s, n);
}

static void tx_begin(uint8_t type, uint16_t seq) {
  tx_fill = 0;
  tx_crc = 0xFFFFFFFFu;
  tx_u8(type);
  tx_u16(seq);
}

static void tx_end(void) {
  uint32_t crc = ~tx_crc;
  static const uint8_t delimiter = 0;
  int i;
  for (i = 0; i < 4; ++i) cobs_put((uint8_t)(crc >> (8 * i)));
  cobs_flush();
  tl_hal_write(&delimiter, 1);
}

/* ---- device state ---- */
static uint32_t session;          /* set by HELLO; 0 after boot, so the host sees a reset */
static uint32_t loading_request;  /* request whose inputs the chunks belong to */
static uint8_t chunk_seen[(MAX_CHUNKS + 7u) / 8u];
static uint32_t chunks_seen;
static uint32_t chunks_needed;
static uint32_t chunk_base[TL_MODEL_NUM_INPUTS]; /* first bitmap index of each input */
static uint32_t cached_request;   /* request whose outputs result_cache holds */
static uint32_t cached_counter;
/* Outputs live in the arena, which the next LOAD may overwrite: keep a copy for replays. */
static uint8_t result_cache[TL_MODEL_OUTPUT_BYTES_TOTAL];

static uint32_t chunks_of(uint32_t bytes) {
  return (bytes + TL_PROTOCOL_CHUNK_BYTES - 1u) / TL_PROTOCOL_CHUNK_BYTES;
}

static void send_error(uint16_t seq, uint8_t code, uint32_t request, const char *text) {
  tx_begin(TL_MSG_ERROR, seq);
  tx_u8(code);
  tx_u32(request);
  tx_text(text);
  tx_end();
}

static void send_tensor_info(const tl_io_info *info) {
  int32_t d;
  tx_u8((uint8_t)info->dtype);
  tx_u8((uint8_t)info->rank);
  for (d = 0; d < info->rank; ++d) tx_u32((uint32_t)info->dims[d]);
  tx_u32(info->bytes);
  {
    uint32_t scale_bits;
    memcpy(&scale_bits, &info->scale, sizeof scale_bits);
    tx_u32(scale_bits);
  }
  tx_u32((uint32_t)info->zero_point);
}

static void send_identity(uint16_t seq) {
  uint32_t i;
  tx_begin(TL_MSG_IDENTITY, seq);
  tx_u8(TL_PROTOCOL_VERSION);
  tx_u16(TL_PROTOCOL_CHUNK_BYTES);
  tx_u16((uint16_t)TL_HAL_RX_BUFFER_BYTES);
  tx_u32(session);
  tx_u32(TL_MODEL_ARENA_BYTES);
  tx_u32(TL_BOARD_CLOCK_HZ);
  tx_u32(tl_hal_rx_overflows());
  tx_text(TL_BOARD_NAME);
  tx_text(TL_RUNTIME_VERSION);
  tx_text(TL_MODEL_NAME);
  tx_text(TL_MODEL_HASH);
  tx_text(tl_hal_counter_unit());
  tx_u8(TL_MODEL_NUM_INPUTS);
  for (i = 0; i < TL_MODEL_NUM_INPUTS; ++i) send_tensor_info(&tl_model_inputs[i]);
  tx_u8(TL_MODEL_NUM_OUTPUTS);
  for (i = 0; i < TL_MODEL_NUM_OUTPUTS; ++i) send_tensor_info(&tl_model_outputs[i]);
  tx_end();
}

static void send_result(uint16_t seq, uint8_t flags, uint32_t offset) {
  uint32_t n = TL_MODEL_OUTPUT_BYTES_TOTAL - offset;
  if (n > TL_PROTOCOL_CHUNK_BYTES) n = TL_PROTOCOL_CHUNK_BYTES;
  tx_begin(TL_MSG_RESULT, seq);
  tx_u32(cached_request);
  tx_u8(flags);
  tx_u32(cached_counter);
  tx_u32(TL_MODEL_OUTPUT_BYTES_TOTAL);
  tx_u32(offset);
  tx_bytes(result_cache + offset, n);
  tx_end();
}

static void start_loading(uint32_t request) {
  memset(chunk_seen, 0, sizeof chunk_seen);
  chunks_seen = 0;
  loading_request = request;
}

static void on_load(uint16_t seq, const uint8_t *p, size_t n) {
  uint32_t request, offset, length, index, bytes;
  uint8_t tensor;
  if (n <= LOAD_HEADER) {
    send_error(seq, TL_ERR_BAD_LENGTH, 0, "LOAD needs request, tensor, offset and data");
    return;
  }
  request = get_u32(p);
  tensor = p[4];
  offset = get_u32(p + 5);
  length = (uint32_t)(n - LOAD_HEADER);
  if (tensor >= TL_MODEL_NUM_INPUTS) {
    send_error(seq, TL_ERR_BAD_TENSOR, request, "no such input tensor");
    return;
  }
  bytes = tl_model_inputs[tensor].bytes;
  if (offset % TL_PROTOCOL_CHUNK_BYTES != 0u || offset >= bytes ||
      length != ((bytes - offset < TL_PROTOCOL_CHUNK_BYTES) ? bytes - offset : TL_PROTOCOL_CHUNK_BYTES)) {
    send_error(seq, TL_ERR_BAD_OFFSET, request, "chunk not on the chunk grid or past the tensor end");
    return;
  }
  if (request == NO_REQUEST) {
    send_error(seq, TL_ERR_BAD_LENGTH, request, "request id 0 is reserved");
    return;
  }
  if (request != loading_request) start_loading(request);
  memcpy((uint8_t *)tl_model_input(tensor) + offset, p + LOAD_HEADER, length);
  index = chunk_base[tensor] + offset / TL_PROTOCOL_CHUNK_BYTES;
  if (!(chunk_seen[index / 8u] & (1u << (index % 8u)))) {
    chunk_seen[index / 8u] |= (uint8_t)(1u << (index % 8u));
    ++chunks_seen;
  }
  tx_begin(TL_MSG_ACK, seq);
  tx_u32(request);
  tx_u8(tensor);
  tx_u32(offset);
  tx_u16((uint16_t)length);
  tx_end();
}

/* The count covers the inference only: the next sample's chunks arrive meanwhile (the host
   pipelines them) and their RX interrupts are subtracted, as in the self-test. Kept out of line
   so GCC cannot move model work out from between the counter reads. */
__attribute__((noinline, noipa)) static uint32_t invoke_counted(void) {
  uint32_t start = tl_hal_counter_outside_interrupts();
  tl_model_invoke();
  return tl_hal_counter_outside_interrupts() - start;
}

static void run_model(uint32_t request) {
  uint32_t i, at = 0;
  uint32_t count = invoke_counted();
  for (i = 0; i < TL_MODEL_NUM_OUTPUTS; ++i) {
    memcpy(result_cache + at, tl_model_output(i), tl_model_outputs[i].bytes);
    at += tl_model_outputs[i].bytes;
  }
  cached_counter = count;
  cached_request = request;
  start_loading(NO_REQUEST); /* the arena reused the inputs: a new RUN needs new chunks */
}

static void on_run(uint16_t seq, const uint8_t *p, size_t n) {
  uint32_t request;
  if (n != 4u) {
    send_error(seq, TL_ERR_BAD_LENGTH, 0, "RUN takes a request id");
    return;
  }
  request = get_u32(p);
  if (request != NO_REQUEST && request == cached_request) {
    send_result(seq, TL_RESULT_REPLAYED, 0);
    return;
  }
  if (request == NO_REQUEST || request != loading_request || chunks_seen != chunks_needed) {
    send_error(seq, TL_ERR_NOT_LOADED, request, "inputs not (all) loaded for this request");
    return;
  }
  run_model(request);
  send_result(seq, 0, 0);
}

static void on_read(uint16_t seq, const uint8_t *p, size_t n) {
  uint32_t request, offset;
  if (n != 8u) {
    send_error(seq, TL_ERR_BAD_LENGTH, 0, "READ takes a request id and an offset");
    return;
  }
  request = get_u32(p);
  offset = get_u32(p + 4);
  if (request == NO_REQUEST || request != cached_request) {
    send_error(seq, TL_ERR_NO_RESULT, request, "no cached result for this request");
    return;
  }
  if (offset % TL_PROTOCOL_CHUNK_BYTES != 0u || offset >= TL_MODEL_OUTPUT_BYTES_TOTAL) {
    send_error(seq, TL_ERR_BAD_OFFSET, request, "result offset not on the chunk grid");
    return;
  }
  send_result(seq, TL_RESULT_REPLAYED, offset);
}

static void on_frame(const uint8_t *f, size_t n) {
  uint32_t crc = 0xFFFFFFFFu;
  size_t i;
  uint16_t seq;
  if (n < 7u) {
    if (n > 0u) send_error(0xFFFFu, TL_ERR_BAD_FRAME, 0, "frame too short");
    return;
  }
  for (i = 0; i < n - 4u; ++i) crc = crc_update(crc, f[i]);
  if (~crc != get_u32(f + n - 4u)) {
    send_error(0xFFFFu, TL_ERR_BAD_FRAME, 0, "CRC mismatch");
    return;
  }
  seq = (uint16_t)(f[1] | (f[2] << 8));
  switch (f[0]) {
    case TL_MSG_HELLO:
      if (n - 7u >= 4u) session = get_u32(f + 3);
      send_identity(seq);
      break;
    case TL_MSG_LOAD: on_load(seq, f + 3, n - 7u); break;
    case TL_MSG_RUN: on_run(seq, f + 3, n - 7u); break;
    case TL_MSG_READ: on_read(seq, f + 3, n - 7u); break;
    default: send_error(seq, TL_ERR_UNKNOWN_TYPE, 0, "unknown frame type"); break;
  }
}

/* ---- receive: streaming COBS decoder ---- */
static uint8_t rx_frame[FRAME_MAX];
static size_t rx_len;
static uint8_t rx_code;  /* code byte of the block being read; 0 before the first */
static uint8_t rx_left;  /* data bytes still to come in this block */
static uint8_t rx_bad;   /* frame overran the buffer */

static void rx_reset(void) {
  rx_len = 0;
  rx_code = 0;
  rx_left = 0;
  rx_bad = 0;
}

static void rx_append(uint8_t byte) {
  if (rx_len < FRAME_MAX) rx_frame[rx_len++] = byte;
  else rx_bad = 1;
}

static void rx_byte(uint8_t byte) {
  if (byte == 0) {
    if (rx_bad) send_error(0xFFFFu, TL_ERR_TOO_LONG, 0, "frame longer than the receive buffer");
    else if (rx_left != 0) send_error(0xFFFFu, TL_ERR_BAD_FRAME, 0, "truncated COBS block");
    else on_frame(rx_frame, rx_len);
    rx_reset();
    return;
  }
  if (rx_left == 0) {
    if (rx_code != 0 && rx_code != 0xFFu) rx_append(0);
    rx_code = byte;
    rx_left = (uint8_t)(byte - 1u);
  } else {
    rx_append(byte);
    --rx_left;
  }
}

void tl_protocol_init(void) {
  static const uint8_t delimiter = 0;
  uint32_t i, next = 0;
  for (i = 0; i < TL_MODEL_NUM_INPUTS; ++i) {
    chunk_base[i] = next;
    next += chunks_of(tl_model_inputs[i].bytes);
  }
  chunks_needed = next;
  rx_reset();
  start_loading(NO_REQUEST);
  cached_request = NO_REQUEST;
  session = 0;
  tl_hal_write(&delimiter, 1); /* ends whatever text came before, so the host resyncs here */
  send_identity(0);
}

void tl_protocol_poll(void) {
  uint8_t buf[64];
  size_t n, i;
  while ((n = tl_hal_read(buf, sizeof buf)) > 0u) {
    for (i = 0; i < n; ++i) rx_byte(buf[i]);
  }
}

void tl_protocol_log(uint8_t level, const char *text) {
  tx_begin(TL_MSG_LOG, 0);
  tx_u8(level);
  tx_text(text);
  tx_end();
}

void tl_protocol_serve(void) {
  tl_protocol_init();
  for (;;) {
    tl_protocol_poll();
    tl_hal_wait_for_input();
  }
}
