/* UNIDIRECTIONAL_SEQUENCE_LSTM, the standard (Keras) LSTM TFLM's kernel runs: four gates, no
   peephole, projection, layer norm or CIFG. Per time step and batch row, TFLM's sequence of
   whole-vector steps: gate = act(FC(x) + FC(h)) (sigmoid; the cell gate's activation is tanh),
   c = f*c + i*g (clipped when cell_clip > 0), h = o * tanh(c); the output row is h.
   float32 stores every step as float32. The integer forms (int8 or int16 activations, int8 weights,
   int16 cell state) keep gates in int16: FC outputs in Q3.12, gate outputs in Q0.15. */
#ifndef TL_LSTM_H
#define TL_LSTM_H

#include "tl_runtime.h"

typedef struct {
  int32_t batches, steps, input_size, units;
  int32_t time_major;        /* input [steps][batches][input] instead of [batches][steps][input] */
  float cell_clip;           /* 0: no clipping */
  const float *input_weights[4];      /* gates i, f, g, o: [units][input_size] */
  const float *recurrent_weights[4];  /* [units][units] */
  const float *bias[4];               /* [units] */
  float *hidden;             /* variable [batches][units], kept between invocations */
  float *cell;               /* variable [batches][units] */
} tl_lstm_f32_params;

/* scratch: 6 * units floats */
void tl_lstm_f32(const tl_lstm_f32_params *p, const float *input, float *output, void *scratch);

/* One fully connected half of a gate: (x - zero point) . w, rescaled to Q3.12. */
typedef struct {
  int32_t input_offset;      /* minus the zero point of x (the input or the hidden state) */
  int32_t multiplier, shift; /* x scale * weight scale / 2^-12 */
} tl_lstm_fc_quant;

typedef struct {
  int32_t multiplier, shift;
} tl_lstm_rescale;

/* Everything TFLM's Prepare derives for the integer LSTM. */
typedef struct {
  int32_t batches, steps, input_size, units;
  int32_t time_major;
  tl_lstm_fc_quant input_fc[4], recurrent_fc[4]; /* gates i, f, g, o */
  tl_lstm_rescale forget_times_cell;             /* 2^-15 * cell scale / cell scale */
  tl_lstm_rescale input_times_cell_gate;         /* 2^-15 * 2^-15 / cell scale */
  tl_lstm_rescale output_times_tanh;             /* 2^-15 * 2^-15 / hidden scale */
  int32_t hidden_zero_point;
  int32_t clip_cell;           /* the float cell_clip is > 0 */
  int32_t cell_clip;           /* cell_clip / cell scale, truncated into int16 */
  int32_t cell_tanh_multiplier, cell_tanh_shift; /* cell state to sigmoid-table units */
  const uint16_t *sigmoid_table;
} tl_lstm_int_quant;

typedef struct {
  tl_lstm_int_quant q;
  const int8_t *input_weights[4];
  const int8_t *recurrent_weights[4];
  const int32_t *bias[4];
  int8_t *hidden;
  int16_t *cell;
} tl_lstm_int8_params;

typedef struct {
  tl_lstm_int_quant q;
  const int8_t *input_weights[4];
  const int8_t *recurrent_weights[4];
  const int64_t *bias[4];
  int16_t *hidden;
  int16_t *cell;
} tl_lstm_int16_params;

/* scratch: 5 * units int16 */
void tl_lstm_int8(const tl_lstm_int8_params *p, const int8_t *input, int8_t *output, void *scratch);
void tl_lstm_int16(const tl_lstm_int16_params *p, const int16_t *input, int16_t *output, void *scratch);

#endif /* TL_LSTM_H */
