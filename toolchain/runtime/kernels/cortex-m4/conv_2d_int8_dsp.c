/* CONV_2D int8 on the Armv7E-M DSP extension. Each output pixel's window is widened once, row by
   row, into int16 pairs with SXTB16 (taps 0,2 then 1,3 of every 4 bytes): every kernel row takes
   row_words words (k_w * in_c bytes rounded up to whole words by the generator, whose weights are 0
   there), padded taps read the input zero point (so the folded bias stays exact). The pairs of two
   pixels are multiplied with SMLAD by two output channels (int8 weights, widened the same way in the
   loop) or by four (int16 weights widened by the generator, for layers with many output pixels). */
#include "conv_2d_dsp.h"
#include "tl_dsp.h"

/* Widened words of pixel a (slot 0) or b (slot 1): per 4 bytes (t0,t2) at 4g + slot and (t1,t3) at
   4g + 2 + slot, so one LDRD reads the same taps of both pixels. */
static inline void widen_words(const int8_t *src, int32_t words, int32_t *dst) {
  const int8_t *const end = src + 4 * words, *const last = end - 4;
  for (; src < last; src += 8, dst += 8) { /* two at a time: half the loop overhead */
    const uint32_t w0 = tl_load_u32(src), w1 = tl_load_u32(src + 4); /* unaligned LDR: allowed on Armv7-M */
    dst[0] = __sxtb16(w0);
    dst[2] = tl_sxtb16_ror8(w0);
    dst[4] = __sxtb16(w1);
    dst[6] = tl_sxtb16_ror8(w1);
  }
  if (src < end) {
    const uint32_t w = tl_load_u32(src);
    dst[0] = __sxtb16(w);
    dst[2] = tl_sxtb16_ror8(w);
  }
}

static inline void fill_words(int32_t value, int32_t words, int32_t *dst) {
  int32_t i;
  for (i = 0; i < words; ++i, dst += 4) {
    dst[0] = value;
    dst[2] = value;
  }
}

/* What widen_window needs, computed once per operator. */
typedef struct {
  const int8_t *input_end;
  int32_t in_h, in_w, in_c, k_h, k_w, dil_h, dil_w;
  int32_t row_words, row_bytes, input_row_bytes, tail_words, pad, pad_pair;
} window_reader;

/* The window at (y0, x0) of one image into the pair slots `dst` (see widen_words). */
static void widen_window(const window_reader *r, const int8_t *image, int32_t y0, int32_t x0, int32_t *dst) {
  const int32_t row_words = r->row_words, in_c = r->in_c, k_w = r->k_w, dil_w = r->dil_w;
  const int32_t whole_row = x0 >= 0 && x0 + (k_w - 1) * dil_w < r->in_w && (dil_w == 1 || k_w == 1);
  const int8_t *src = image + ((size_t)y0 * r->in_w + x0) * in_c;
  int8_t row[4 * TL_CONV_2D_DSP_MAX_ROW_WORDS] __attribute__((aligned(4)));
  int32_t ky, kx, i, iy = y0;
  if (whole_row && y0 >= 0 && y0 + (r->k_h - 1) * r->dil_h < r->in_h &&
      src + (size_t)(r->k_h - 1) * r->dil_h * r->input_row_bytes + 4 * row_words <= r->input_end) {
    /* an inner window (most of them): k_h runs of whole words */
    for (ky = 0; ky < r->k_h; ++ky, dst += 4 * row_words, src += r->dil_h * r->input_row_bytes) {
      widen_words(src, row_words, dst);
    }
    fill_words(0, r->tail_words, dst);
    return;
  }
  for (ky = 0; ky < r->k_h; ++ky, dst += 4 * row_words, iy += r->dil_h, src += r->dil_h * r->input_row_bytes) {
    if (iy < 0 || iy >= r->in_h) {
      fill_words(r->pad_pair, row_words, dst);
    } else if (whole_row && src + 4 * row_words <= r->input_end) {
      /* the bytes past the row (up to 3, inside the input) meet zero weights */
      widen_words(src, row_words, dst);
    } else if (in_c % 4 == 0) {
      /* a border row, tap by tap: whole words of input or of zero points */
      for (kx = 0; kx < k_w; ++kx) {
        const int32_t ix = x0 + kx * dil_w, tap_words = in_c / 4;
        if (ix >= 0 && ix < r->in_w) {
          widen_words(src + kx * dil_w * in_c, tap_words, dst + 4 * kx * tap_words);
        } else {
          fill_words(r->pad_pair, tap_words, dst + 4 * kx * tap_words);
        }
      }
    } else {
      /* a border row of ragged taps, or the input's last row whose last word would read past the
         input: bytes first */
      for (kx = 0; kx < k_w; ++kx) {
        const int32_t ix = x0 + kx * dil_w;
        const int8_t *tap = src + kx * dil_w * in_c;
        for (i = 0; i < in_c; ++i) row[kx * in_c + i] = (int8_t)(ix >= 0 && ix < r->in_w ? tap[i] : r->pad);
      }
      for (i = r->row_bytes; i < 4 * row_words; ++i) row[i] = 0;
      widen_words(row, row_words, dst);
    }
  }
  fill_words(0, r->tail_words, dst);
}

static window_reader reader_of(const tl_conv_2d_int8_dsp_params *p, const int8_t *input) {
  const tl_window w = p->win;
  const int32_t pad = p->pad_value;
  const window_reader r = {input + (size_t)w.batches * w.in_h * w.in_w * w.in_c,
                           w.in_h, w.in_w, w.in_c, w.k_h, w.k_w, w.dil_h, w.dil_w,
                           p->row_words, w.k_w * w.in_c, w.in_w * w.in_c, p->k_padded / 4 - w.k_h * p->row_words,
                           pad, (int32_t)(((uint32_t)pad & 0xffffu) | ((uint32_t)pad << 16))};
  return r;
}

/* An output pixel's place: image and window origin, stepped in output order. */
typedef struct {
  const int8_t *image;
  int32_t oy, ox;
} pixel_cursor;

static inline void widen_pixel(const window_reader *r, const tl_window *w, const pixel_cursor *c, int32_t *dst) {
  widen_window(r, c->image, c->oy * w->stride_h - w->pad_h, c->ox * w->stride_w - w->pad_w, dst);
}

static inline void step_pixel(const tl_window *w, pixel_cursor *c) {
  if (++c->ox == w->out_w) {
    c->ox = 0;
    if (++c->oy == w->out_h) {
      c->oy = 0;
      c->image += (size_t)w->in_h * w->in_w * w->in_c;
    }
  }
}

/* acc[0..3] += channel c and c+1 of pixels a and b over `groups` 4-tap groups: per group one 8-byte
   filter step (two int8 words, widened here) and four pair words, two groups per turn (groups is
   even): 32 instructions for 32 multiply-accumulates. */
static inline __attribute__((always_inline)) void mac_2x2(const int8_t *filter, const int32_t *pairs, int32_t groups,
                                                          int32_t acc[4]) {
  int32_t a0 = acc[0], b0 = acc[1], a1 = acc[2], b1 = acc[3];
  const int32_t *end = pairs + 4 * groups;
  int32_t w0, w1, w0_13, w1_13, xa, xb;
  __asm__ volatile(
      "1:\n\t"
      "ldrd %[w0], %[w1], [%[f]], #8\n\t"
      "sxtb16 %[w0_13], %[w0], ror #8\n\t"
      "sxtb16 %[w0], %[w0]\n\t"
      "sxtb16 %[w1_13], %[w1], ror #8\n\t"
      "sxtb16 %[w1], %[w1]\n\t"
      "ldrd %[xa], %[xb], [%[x]], #8\n\t"
      "smlad %[a0], %[w0], %[xa], %[a0]\n\t"
      "smlad %[b0], %[w0], %[xb], %[b0]\n\t"
      "smlad %[a1], %[w1], %[xa], %[a1]\n\t"
      "smlad %[b1], %[w1], %[xb], %[b1]\n\t"
      "ldrd %[xa], %[xb], [%[x]], #8\n\t"
      "smlad %[a0], %[w0_13], %[xa], %[a0]\n\t"
      "smlad %[b0], %[w0_13], %[xb], %[b0]\n\t"
      "smlad %[a1], %[w1_13], %[xa], %[a1]\n\t"
      "smlad %[b1], %[w1_13], %[xb], %[b1]\n\t"
      "ldrd %[w0], %[w1], [%[f]], #8\n\t"
      "sxtb16 %[w0_13], %[w0], ror #8\n\t"
      "sxtb16 %[w0], %[w0]\n\t"
      "sxtb16 %[w1_13], %[w1], ror #8\n\t"
      "sxtb16 %[w1], %[w1]\n\t"
      "ldrd %[xa], %[xb], [%[x]], #8\n\t"
      "smlad %[a0], %[w0], %[xa], %[a0]\n\t"
      "smlad %[b0], %[w0], %[xb], %[b0]\n\t"
      "smlad %[a1], %[w1], %[xa], %[a1]\n\t"
      "smlad %[b1], %[w1], %[xb], %[b1]\n\t"
      "ldrd %[xa], %[xb], [%[x]], #8\n\t"
      "smlad %[a0], %[w0_13], %[xa], %[a0]\n\t"
      "smlad %[b0], %[w0_13], %[xb], %[b0]\n\t"
      "smlad %[a1], %[w1_13], %[xa], %[a1]\n\t"
      "smlad %[b1], %[w1_13], %[xb], %[b1]\n\t"
      "cmp %[x], %[end]\n\t"
      "bne 1b"
      : [a0] "+r"(a0), [b0] "+r"(b0), [a1] "+r"(a1), [b1] "+r"(b1), [f] "+r"(filter), [x] "+r"(pairs),
        [w0] "=&r"(w0), [w1] "=&r"(w1), [w0_13] "=&r"(w0_13), [w1_13] "=&r"(w1_13), [xa] "=&r"(xa),
        [xb] "=&r"(xb)
      : [end] "r"(end)
      : "cc", "memory");
  acc[0] = a0;
  acc[1] = b0;
  acc[2] = a1;
  acc[3] = b1;
}

/* acc[0..3] (pixel a, channels c..c+3) and acc[4..7] (pixel b) += the window over the pair words
   [pairs, end) (two 4-tap groups per turn) and int16 weight words (per pair slot, channels 0..3):
   per group 6 LDRD + 16 SMLAD. Eight accumulators, two data pairs and two pointers take all
   fourteen registers, so the end pointer waits on the stack. */
void tl_dsp_mac_2x4(const int32_t *pairs, const int16_t *filter, const int32_t *end, int32_t acc[8]);
__asm__(
    "  .pushsection .text.tl_dsp_mac_2x4, \"ax\", %progbits\n" /* the compiler's section is left as it was */
    "  .syntax unified\n"
    "  .thumb\n"
    "  .align 2\n"
    "  .global tl_dsp_mac_2x4\n"
    "  .thumb_func\n"
    "  .type tl_dsp_mac_2x4, %function\n"
    "tl_dsp_mac_2x4:\n"
    "  push {r2-r11, lr}\n"
    "  ldm r3, {r4-r11}\n"
    "1:\n"
#define TL_DSP_MAC_2X4_SLOT                                                         \
    "  ldrd r2, r3, [r0], #8\n" /* pixel a, pixel b: the same two taps */           \
    "  ldrd r12, lr, [r1], #8\n" /* channels 0 and 1 */                              \
    "  smlad r4, r12, r2, r4\n"                                                    \
    "  smlad r8, r12, r3, r8\n"                                                    \
    "  smlad r5, lr, r2, r5\n"                                                     \
    "  smlad r9, lr, r3, r9\n"                                                     \
    "  ldrd r12, lr, [r1], #8\n" /* channels 2 and 3 */                              \
    "  smlad r6, r12, r2, r6\n"                                                    \
    "  smlad r10, r12, r3, r10\n"                                                  \
    "  smlad r7, lr, r2, r7\n"                                                     \
    "  smlad r11, lr, r3, r11\n"
    TL_DSP_MAC_2X4_SLOT TL_DSP_MAC_2X4_SLOT TL_DSP_MAC_2X4_SLOT TL_DSP_MAC_2X4_SLOT
#undef TL_DSP_MAC_2X4_SLOT
    "  ldr r2, [sp]\n"
    "  cmp r0, r2\n"
    "  bne 1b\n"
    "  ldr r3, [sp, #4]\n"
    "  stm r3, {r4-r11}\n"
    "  pop {r2-r11, pc}\n"
    "  .size tl_dsp_mac_2x4, .-tl_dsp_mac_2x4\n"
    "  .popsection\n");

typedef struct {
  int32_t fast, full, act_min, act_max, output_offset;
  const int32_t *requant, *multiplier, *shift;
} requant_args;

static inline __attribute__((always_inline)) int8_t output_value(int32_t acc, int32_t c, const requant_args *r) {
  const int32_t v = r->fast ? tl_dsp_requantize(acc, tl_dsp_load_requant(r->requant + 4 * c))
                            : tl_dsp_requantize_exact(acc, r->multiplier[c], r->shift[c], r->output_offset);
  return tl_dsp_activate(v, r->full, r->act_min, r->act_max);
}

static inline __attribute__((always_inline)) void conv(const tl_conv_2d_int8_dsp_params *p, const int8_t *input,
                                                       int8_t *output, int fast, int full, int wide) {
  const int32_t pixels = p->win.batches * p->win.out_h * p->win.out_w, out_c = p->win.out_c;
  const int32_t groups = p->k_padded / 4;
  const int32_t *const folded_bias = p->folded_bias;
  const requant_args r = {fast, full, p->act_min, p->act_max, p->output_offset, p->requant, p->multiplier, p->shift};
  /* the widened pairs of two pixels live on the stack, so the arena keeps the portable kernel's size */
  int32_t pairs[TL_CONV_2D_DSP_MAX_K_PADDED] __attribute__((aligned(8)));
  const window_reader reader = reader_of(p, input);
  pixel_cursor cursor = {input, 0, 0};
  int32_t px, c, i;
  for (px = 0; px < pixels; px += 2) {
    const int32_t has_b = px + 1 < pixels;
    int8_t *const out_a = output + (size_t)px * out_c, *const out_b = has_b ? out_a + out_c : out_a;
    widen_pixel(&reader, &p->win, &cursor, pairs);
    if (has_b) step_pixel(&p->win, &cursor);
    widen_pixel(&reader, &p->win, &cursor, pairs + 1);
    step_pixel(&p->win, &cursor);
    if (wide) {
      const int16_t *filter = p->filter_wide;
      for (c = 0; c < out_c; c += 4, filter += 16 * groups) {
        int32_t acc[8];
        int8_t v[8];
        for (i = 0; i < 4; ++i) acc[i] = acc[4 + i] = folded_bias[c + i];
        tl_dsp_mac_2x4(pairs, filter, pairs + 4 * groups, acc);
        /* all computed before any int8 store (which may alias the tables); pixel b's stores come
           last: without a pixel b they land on pixel a's with the same values */
        for (i = 0; i < 8; ++i) v[i] = output_value(acc[i], c + (i & 3), &r);
        for (i = 0; i < 4; ++i) out_a[c + i] = v[i];
        for (i = 0; i < 4; ++i) out_b[c + i] = v[4 + i];
      }
    } else {
      const int8_t *filter = p->filter;
      for (c = 0; c < out_c; c += 2, filter += 2 * 4 * groups) {
        int32_t acc[4] = {folded_bias[c], folded_bias[c], folded_bias[c + 1], folded_bias[c + 1]};
        int8_t a0, b0, a1, b1;
        mac_2x2(filter, pairs, groups, acc);
        a0 = output_value(acc[0], c, &r);
        b0 = output_value(acc[1], c, &r);
        a1 = output_value(acc[2], c + 1, &r);
        b1 = output_value(acc[3], c + 1, &r);
        out_a[c] = a0;
        out_a[c + 1] = a1;
        out_b[c] = b0;
        out_b[c + 1] = b1;
      }
    }
  }
}

void tl_conv_2d_int8_dsp(const tl_conv_2d_int8_dsp_params *p, const int8_t *input, int8_t *output) {
  if (p->full_range) {
    conv(p, input, output, 1, 1, 0);
  } else {
    conv(p, input, output, 1, 0, 0);
  }
}

void tl_conv_2d_int8_dsp_exact(const tl_conv_2d_int8_dsp_params *p, const int8_t *input, int8_t *output) {
  conv(p, input, output, 0, 0, 0);
}

void tl_conv_2d_int8_dsp_wide(const tl_conv_2d_int8_dsp_params *p, const int8_t *input, int8_t *output) {
  if (p->full_range) {
    conv(p, input, output, 1, 1, 1);
  } else {
    conv(p, input, output, 1, 0, 1);
  }
}

void tl_conv_2d_int8_dsp_wide_exact(const tl_conv_2d_int8_dsp_params *p, const int8_t *input, int8_t *output) {
  conv(p, input, output, 0, 0, 1);
}
