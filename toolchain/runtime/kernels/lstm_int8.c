/* UNIDIRECTIONAL_SEQUENCE_LSTM, int8 activations, int8 weights, int32 biases, int16 cell state
   (see lstm.h): TFLM's integer step, its FC with a 32-bit accumulator. */
#include "lstm_int_steps.h"

/* out = saturate16(rescale(sum((w + 0) * (x + input_offset)) + bias)) */
static void fully_connected(const tl_lstm_fc_quant *fq, const int8_t *w, const int32_t *bias, const int8_t *x,
                            int32_t rows, int32_t depth, int16_t *out) {
  int32_t r, k;
  for (r = 0; r < rows; ++r) {
    int32_t acc = 0;
    for (k = 0; k < depth; ++k) acc += (int32_t)w[(size_t)r * depth + k] * ((int32_t)x[k] + fq->input_offset);
    if (bias) acc += bias[r];
    out[r] = tl_lstm_saturate_int16(tl_multiply_by_quantized_multiplier(acc, fq->multiplier, fq->shift));
  }
}

static void step(const tl_lstm_int8_params *p, const int8_t *x, int8_t *h, int16_t *c, int8_t *y, int16_t *scratch) {
  const tl_lstm_int_quant *q = &p->q;
  const int32_t n = q->units;
  int16_t *gates[4], *recurrent = scratch + 4 * (size_t)n;
  int32_t g, i;
  for (g = 0; g < 4; ++g) {
    gates[g] = scratch + (size_t)g * n;
    fully_connected(&q->input_fc[g], p->input_weights[g], p->bias[g], x, n, q->input_size, gates[g]);
    fully_connected(&q->recurrent_fc[g], p->recurrent_weights[g], NULL, h, n, n, recurrent);
    tl_lstm_gate_activate(q, g, gates[g], recurrent);
  }
  tl_lstm_update_cell(q, gates[1], gates[0], gates[2], c);
  tl_lstm_tanh_cell(q, c, recurrent);
  for (i = 0; i < n; ++i) {
    h[i] = (int8_t)tl_clamp_i32(tl_lstm_mul(&q->output_times_tanh, recurrent[i], gates[3][i], q->hidden_zero_point),
                                -128, 127);
    y[i] = h[i];
  }
}

void tl_lstm_int8(const tl_lstm_int8_params *p, const int8_t *input, int8_t *output, void *scratch) {
  const tl_lstm_int_quant *q = &p->q;
  int32_t b, t;
  for (b = 0; b < q->batches; ++b) {
    for (t = 0; t < q->steps; ++t) {
      const size_t row = q->time_major ? (size_t)t * q->batches + b : (size_t)b * q->steps + t;
      step(p, input + row * q->input_size, p->hidden + (size_t)b * q->units, p->cell + (size_t)b * q->units,
           output + row * q->units, (int16_t *)scratch);
    }
  }
}
