/* The steps the int8 and 16x8 LSTM kernels share, all on int16 vectors (see lstm.h): the gate's
   saturating sum and activation, the cell update and the output gate times tanh(cell). */
#ifndef TL_LSTM_INT_STEPS_H
#define TL_LSTM_INT_STEPS_H

#include "lstm.h"
#include "sigmoid_table.h"
#include "tl_quant.h"

enum { TL_LSTM_CELL_GATE = 2 };

static inline int16_t tl_lstm_saturate_int16(int32_t x) { return (int16_t)tl_clamp_i32(x, -32768, 32767); }

/* gate = act(gate + recurrent), act in place: Q3.12 in, Q0.15 out. 3 is the table's input rescale
   for a power-of-two scale of 2^-12, for the sigmoid and the tanh alike. */
static inline void tl_lstm_gate_activate(const tl_lstm_int_quant *q, int32_t gate, int16_t *values,
                                         const int16_t *recurrent) {
  const tl_sigmoid_table_params table = {q->units, 3, 0, q->sigmoid_table};
  int32_t i;
  for (i = 0; i < q->units; ++i) values[i] = tl_lstm_saturate_int16((int32_t)values[i] + recurrent[i]);
  if (gate == TL_LSTM_CELL_GATE) {
    tl_tanh_int16(&table, values, values);
  } else {
    tl_logistic_int16(&table, values, values);
  }
}

/* a * b rescaled, plus the zero point (both inputs symmetric), unclamped */
static inline int32_t tl_lstm_mul(const tl_lstm_rescale *r, int16_t a, int16_t b, int32_t zero_point) {
  return zero_point + tl_multiply_by_quantized_multiplier((int32_t)a * b, r->multiplier, r->shift);
}

/* c = f * c + i * g, each product rescaled to the cell scale and saturated, the sum saturated,
   then clipped when the model asks for it. */
static inline void tl_lstm_update_cell(const tl_lstm_int_quant *q, const int16_t *forget, const int16_t *input,
                                       const int16_t *cell_gate, int16_t *cell) {
  int32_t i;
  for (i = 0; i < q->units; ++i) {
    const int16_t kept = tl_lstm_saturate_int16(tl_lstm_mul(&q->forget_times_cell, forget[i], cell[i], 0));
    const int16_t added = tl_lstm_saturate_int16(tl_lstm_mul(&q->input_times_cell_gate, input[i], cell_gate[i], 0));
    int16_t c = tl_lstm_saturate_int16((int32_t)kept + added);
    if (q->clip_cell) c = (int16_t)tl_clamp_i32(c, -q->cell_clip, q->cell_clip);
    cell[i] = c;
  }
}

/* tanh of the cell state (its scale's power of two picks the table rescale) into `out` */
static inline void tl_lstm_tanh_cell(const tl_lstm_int_quant *q, const int16_t *cell, int16_t *out) {
  const tl_sigmoid_table_params table = {q->units, q->cell_tanh_multiplier, q->cell_tanh_shift, q->sigmoid_table};
  tl_tanh_int16(&table, cell, out);
}

#endif /* TL_LSTM_INT_STEPS_H */
