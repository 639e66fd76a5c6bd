/* UNIDIRECTIONAL_SEQUENCE_LSTM float32 (see lstm.h); sigmoid and tanh are the LOGISTIC and TANH
   kernels' float functions, as TFLM's LSTM reuses its own. */
#include <float.h>

#include "activations.h"
#include "lstm.h"

static float clamp_to_float_range(float x) { return x < -FLT_MAX ? -FLT_MAX : (x > FLT_MAX ? FLT_MAX : x); }

/* out = clamp(W x + bias) with bias 0.0f when absent, as TFLM's float FULLY_CONNECTED */
static void fully_connected(const float *w, const float *bias, const float *x, int32_t rows, int32_t depth,
                            float *out) {
  int32_t r, k;
  for (r = 0; r < rows; ++r) {
    float total = 0.0f;
    for (k = 0; k < depth; ++k) total += x[k] * w[(size_t)r * depth + k];
    out[r] = clamp_to_float_range(total + (bias ? bias[r] : 0.0f));
  }
}

static void step(const tl_lstm_f32_params *p, const float *x, float *h, float *c, float *y, float *scratch) {
  const int32_t n = p->units;
  float *gates[4];
  float *fc = scratch + 4 * (size_t)n;
  float *buffer = scratch + 5 * (size_t)n;
  const tl_tanh_f32_params count = {n};
  int32_t g, i;
  for (g = 0; g < 4; ++g) {
    gates[g] = scratch + (size_t)g * n;
    fully_connected(p->input_weights[g], p->bias[g], x, n, p->input_size, gates[g]);
    fully_connected(p->recurrent_weights[g], NULL, h, n, n, fc);
    for (i = 0; i < n; ++i) gates[g][i] = gates[g][i] + fc[i];
    if (g == 2) {
      tl_tanh_f32(&count, gates[g], gates[g]);
    } else {
      tl_logistic_f32(&count, gates[g], gates[g]);
    }
  }
  for (i = 0; i < n; ++i) {
    c[i] = clamp_to_float_range(gates[1][i] * c[i]);
    buffer[i] = clamp_to_float_range(gates[0][i] * gates[2][i]);
    c[i] = c[i] + buffer[i];
    if (p->cell_clip > 0.0f) c[i] = c[i] > p->cell_clip ? p->cell_clip : (c[i] < -p->cell_clip ? -p->cell_clip : c[i]);
  }
  tl_tanh_f32(&count, c, buffer);
  for (i = 0; i < n; ++i) {
    h[i] = clamp_to_float_range(gates[3][i] * buffer[i]);
    y[i] = h[i];
  }
}

void tl_lstm_f32(const tl_lstm_f32_params *p, const float *input, float *output, void *scratch) {
  int32_t b, t;
  for (b = 0; b < p->batches; ++b) {
    for (t = 0; t < p->steps; ++t) {
      const size_t row = p->time_major ? (size_t)t * p->batches + b : (size_t)b * p->steps + t;
      step(p, input + row * p->input_size, p->hidden + (size_t)b * p->units, p->cell + (size_t)b * p->units,
           output + row * p->units, (float *)scratch);
    }
  }
}
