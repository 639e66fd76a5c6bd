/* CONV_2D int8 on Cortex-M55 (MVE/Helium). Every output channel is one dot product of the pixel's
   window with the channel's weights (VMLADAVA over 16 taps, four channels per input load), on top of
   the folded bias bias + input_offset * sum(w), so the accumulator is TFLM's sum of
   (x + input_offset) * w when each padded tap reads the input zero point: it adds
   (zero_point + input_offset) * w = 0, as TFLM skips it. Integer sums are exact in any order.
   The window is read in place (1x1 columns; rows of whole 16-byte chunks, where padded lanes are
   replaced by the zero point under a predicate, so no scratch and no copy) or gathered into scratch. */
#include "conv_2d_mve.h"

static uint32_t clamp_lanes(int32_t n) { return n < 0 ? 0u : (uint32_t)n; }

/* Lanes [lo, hi) of the 16-byte chunk that starts at byte `start` of a row. */
static mve_pred16_t lanes(int32_t lo, int32_t hi, int32_t start) {
  return (mve_pred16_t)(vctp8q(clamp_lanes(hi - start)) & ~vctp8q(clamp_lanes(lo - start)));
}

/* The window of the output pixel whose top-left tap is at input (y0, x0), in filter order, padded
   taps set to the zero point. Without column dilation each window row is a run of 16-byte chunks:
   a predicated load of the lanes inside the input, the zero point in the others (VPSEL), a
   predicated store of the row's lanes. */
static void gather(const tl_window *w, const int8_t *image, int32_t y0, int32_t x0, int8_t pad, int8_t *col) {
  const int32_t row_bytes = w->k_w * w->in_c;
  const int8x16_t zp = vdupq_n_s8(pad);
  int32_t ky, kx, kx0, kx1, j;
  tl_window_span(x0, w->dil_w, w->k_w, w->in_w, &kx0, &kx1);
  for (ky = 0; ky < w->k_h; ++ky, col += row_bytes) {
    const int32_t y = y0 + ky * w->dil_h;
    const int8_t *row;
    if (y < 0 || y >= w->in_h || kx0 >= kx1) {
      tl_mve_fill(col, pad, row_bytes);
      continue;
    }
    row = image + ((ptrdiff_t)y * w->in_w + x0) * w->in_c;
    if (w->dil_w == 1) {
      for (j = 0; j < row_bytes; j += 16) {
        const mve_pred16_t inside = lanes(kx0 * w->in_c, kx1 * w->in_c, j);
        vstrbq_p_s8(col + j, vpselq_s8(vldrbq_z_s8(row + j, inside), zp, inside), vctp8q((uint32_t)(row_bytes - j)));
      }
    } else {
      for (kx = 0; kx < w->k_w; ++kx) {
        if (kx >= kx0 && kx < kx1) {
          tl_mve_copy(col + kx * w->in_c, row + (size_t)kx * w->dil_w * w->in_c, w->in_c);
        } else {
          tl_mve_fill(col + kx * w->in_c, pad, w->in_c);
        }
      }
    }
  }
}

/* TL_CONV_MVE_ROWS: all output channels of the pixel whose top-left tap is at (y0, x0). The window's
   rows are runs of 16-byte chunks at the generator's chunk_offsets from its origin (the weights are
   zero-padded to whole chunks per row). Inside the input, rows of whole chunks are plain loads;
   otherwise lanes past the row's end or outside the input (whole rows above or below, or columns
   cut by the left or right edge) are not loaded and read the zero point instead (predicate + VPSEL). */
static void window_rows(const tl_conv_2d_int8_mve_params *p, const int8_t *image, int32_t y0, int32_t x0,
                        int8_t *out) {
  const tl_window *w = &p->win;
  const int32_t row_bytes = w->k_w * w->in_c, row_chunks = (row_bytes + 15) >> 4, count = w->k_h * row_chunks;
  const int8x16_t zp = vdupq_n_s8((int8_t)p->pad_value);
  const int8_t *weights = p->weights;
  const int32_t *q = p->out.channels;
  const tl_mve_clamp clamp = tl_mve_clamp_of(&p->out);
  const int8_t *origin = image + ((ptrdiff_t)y0 * w->in_w + x0) * w->in_c;
  mve_pred16_t valid[TL_CONV_MVE_MAX_CHUNKS];
  int32_t ky0, ky1, kx0, kx1, c, ky, j;
  int inside;
  tl_window_span(y0, w->dil_h, w->k_h, w->in_h, &ky0, &ky1);
  tl_window_span(x0, 1, w->k_w, w->in_w, &kx0, &kx1);
  inside = ky0 == 0 && ky1 == w->k_h && kx0 == 0 && kx1 == w->k_w && (row_bytes & 15) == 0;
  if (!inside) {
    for (j = 0; j < row_chunks; ++j) {
      valid[j] = lanes(kx0 * w->in_c, kx1 * w->in_c, 16 * j);
    }
    for (ky = w->k_h - 1; ky >= 0; --ky) {
      for (j = row_chunks - 1; j >= 0; --j) {
        valid[ky * row_chunks + j] = (ky >= ky0 && ky < ky1) ? valid[j] : 0;
      }
    }
  }
  for (c = 0; c < w->out_c; c += 4, q += 16) {
    const int32_t *offset = p->chunk_offsets;
    int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int32x4_t acc;
    if (inside) {
      for (j = count; j > 0; --j, weights += 64) {
        const int8x16_t a = vldrbq_s8(origin + *offset++);
        s0 = vmladavaq_s8(s0, a, vldrbq_s8(weights));
        s1 = vmladavaq_s8(s1, a, vldrbq_s8(weights + 16));
        s2 = vmladavaq_s8(s2, a, vldrbq_s8(weights + 32));
        s3 = vmladavaq_s8(s3, a, vldrbq_s8(weights + 48));
      }
    } else {
      for (j = 0; j < count; ++j, weights += 64) {
        const int8x16_t a = vpselq_s8(vldrbq_z_s8(origin + offset[j], valid[j]), zp, valid[j]);
        s0 = vmladavaq_s8(s0, a, vldrbq_s8(weights));
        s1 = vmladavaq_s8(s1, a, vldrbq_s8(weights + 16));
        s2 = vmladavaq_s8(s2, a, vldrbq_s8(weights + 32));
        s3 = vmladavaq_s8(s3, a, vldrbq_s8(weights + 48));
      }
    }
    acc = vdupq_n_s32(s0);
    acc = vsetq_lane_s32(s1, acc, 1);
    acc = vsetq_lane_s32(s2, acc, 2);
    acc = vsetq_lane_s32(s3, acc, 3);
    tl_mve_store4(out + c, tl_mve_requantize(acc, q, &clamp), w->out_c - c);
  }
}

void tl_conv_2d_int8_mve(const tl_conv_2d_int8_mve_params *p, const int8_t *input, int8_t *output, void *scratch) {
  const tl_window w = p->win;
  int32_t b, oy, ox;
  for (b = 0; b < w.batches; ++b) {
    const int8_t *image = input + (size_t)b * w.in_h * w.in_w * w.in_c;
    for (oy = 0; oy < w.out_h; ++oy) {
      const int32_t y0 = oy * w.stride_h - w.pad_h;
      for (ox = 0; ox < w.out_w; ++ox, output += w.out_c) {
        const int32_t x0 = ox * w.stride_w - w.pad_w;
        if (p->mode == TL_CONV_MVE_ROWS) {
          window_rows(p, image, y0, x0, output);
        } else if (p->mode == TL_CONV_MVE_GATHER) {
          gather(&w, image, y0, x0, (int8_t)p->pad_value, (int8_t *)scratch);
          tl_mve_matvec((const int8_t *)scratch, p->weights, p->depth, w.out_c, &p->out, output);
        } else {
          tl_mve_matvec(image + ((size_t)y0 * w.in_w + x0) * w.in_c, p->weights, p->depth, w.out_c, &p->out,
                        output);
        }
      }
    }
  }
}
