/* tinylarge HIL protocol, device side: COBS-framed, CRC-32-checked request/response messages over
   the console UART (docs/protocol.md). Portable C99, no heap: every buffer is static and sized
   from the generated model's I/O at compile time. */
#ifndef TL_PROTOCOL_H
#define TL_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TL_PROTOCOL_VERSION 1u

/* Input bytes per LOAD frame and output bytes per RESULT frame. Every LOAD starts at a multiple
   of it, so a small bitmap records which parts of the inputs have arrived. */
#ifndef TL_PROTOCOL_CHUNK_BYTES
#define TL_PROTOCOL_CHUNK_BYTES 256u
#endif

/* Frame types (the first byte of a decoded frame). Host requests < 0x80 <= device messages. */
enum {
  TL_MSG_HELLO = 0x01,    /* host: [session u32]            -> IDENTITY */
  TL_MSG_LOAD = 0x02,     /* host: request u32, tensor u8, offset u32, bytes -> ACK */
  TL_MSG_RUN = 0x03,      /* host: request u32               -> RESULT (first chunk) */
  TL_MSG_READ = 0x04,     /* host: request u32, offset u32   -> RESULT (that chunk) */
  TL_MSG_IDENTITY = 0x81, /* device: who it is; also sent unprompted at boot (seq 0) */
  TL_MSG_ACK = 0x82,      /* device: request u32, tensor u8, offset u32, length u16 */
  TL_MSG_RESULT = 0x83,   /* device: request u32, flags u8, counter u32, total u32, offset u32, bytes */
  TL_MSG_ERROR = 0x84,    /* device: code u8, request u32, text */
  TL_MSG_LOG = 0x85       /* device: level u8, text (unprompted, seq 0) */
};

/* RESULT flags */
#define TL_RESULT_REPLAYED 0x01u /* answered from the result cache: the model did not run again */

/* ERROR codes */
enum {
  TL_ERR_BAD_FRAME = 1,    /* CRC mismatch, bad COBS or too short: the frame was dropped */
  TL_ERR_TOO_LONG = 2,     /* frame longer than the receive buffer: dropped */
  TL_ERR_UNKNOWN_TYPE = 3, /* a frame type the device does not know */
  TL_ERR_BAD_LENGTH = 4,   /* payload length wrong for the type */
  TL_ERR_BAD_TENSOR = 5,   /* input index out of range */
  TL_ERR_BAD_OFFSET = 6,   /* LOAD offset/length not on the chunk grid or past the tensor end */
  TL_ERR_NOT_LOADED = 7,   /* RUN for a request whose inputs are not all loaded: send them again */
  TL_ERR_NO_RESULT = 8     /* READ for a request whose result is not cached (e.g. after a reset) */
};

/* Announces the device (identity frame) and serves host requests forever. */
void tl_protocol_serve(void)
#if defined(__GNUC__)
    __attribute__((noreturn))
#endif
    ;

/* The two halves of tl_protocol_serve, for firmware that has its own main loop:
   init once (sends the boot identity), then poll whenever input may have arrived. */
void tl_protocol_init(void);
void tl_protocol_poll(void);

/* Sends a LOG frame (level 0 info, 1 warning, 2 error) with up to 200 bytes of text. */
void tl_protocol_log(uint8_t level, const char *text);

#ifdef __cplusplus
}
#endif

#endif /* TL_PROTOCOL_H */
