/* UNIDIRECTIONAL_SEQUENCE_LSTM, float32, the standard (Keras) LSTM: no peephole, projection, layer
   norm or CIFG. Per time step and batch row, TFLM's sequence of whole-vector steps, each stored as
   float32: gate = FC(x) + FC(h) (FC: sum, + bias, clamp to +-FLT_MAX), sigmoid (tanh for the cell
   gate), c = f*c + i*g (clipped when cell_clip > 0), h = o * tanh(c); the output row is h. */
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

#endif /* TL_LSTM_H */
