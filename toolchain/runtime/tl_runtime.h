/* tinylarge runtime: types shared by generated models and kernels. Portable C99, no heap. */
#ifndef TL_RUNTIME_H
#define TL_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#define TL_RUNTIME_VERSION "0.1.0"

#if defined(__GNUC__) || defined(__clang__)
#define TL_ALIGNED(n) __attribute__((aligned(n)))
#define TL_RESTRICT __restrict__
#else
#define TL_ALIGNED(n)
#define TL_RESTRICT
#endif

#define TL_MAX_RANK 6

/* Per-operator profiling: build with -DTL_PROFILE and define tl_profile_mark(); the generated
   tl_model_invoke() calls it before each operator (its index) and once after the last one (the
   operator count). Without TL_PROFILE the marks compile to nothing. */
#ifdef TL_PROFILE
void tl_profile_mark(int op_index);
#define TL_PROFILE_OP(op_index) tl_profile_mark(op_index)
#else
#define TL_PROFILE_OP(op_index) ((void)0)
#endif

/* TFLite TensorType codes (the .tflite schema's numbering). */
enum {
  TL_DTYPE_FLOAT32 = 0,
  TL_DTYPE_INT32 = 2,
  TL_DTYPE_UINT8 = 3,
  TL_DTYPE_INT64 = 4,
  TL_DTYPE_BOOL = 6,
  TL_DTYPE_INT16 = 7,
  TL_DTYPE_INT8 = 9
};

/* One model input or output: where the firmware learns sizes and quantization. */
typedef struct {
  uint32_t bytes;
  int32_t dtype;
  int32_t rank;
  int32_t dims[TL_MAX_RANK];
  float scale;        /* 0 when the tensor is not quantized */
  int32_t zero_point;
} tl_io_info;

/* The sliding-window geometry shared by convolution and pooling kernels (NHWC). */
typedef struct {
  int32_t batches;
  int32_t in_h, in_w, in_c;
  int32_t out_h, out_w, out_c;
  int32_t k_h, k_w;
  int32_t stride_h, stride_w;
  int32_t dil_h, dil_w;
  int32_t pad_h, pad_w; /* padding before the first row / column */
} tl_window;

/* Elementwise binary operators: the output shape (right-aligned to 6 dims) and, for each input,
   the element stride along every output dim (0 where that input is broadcast). */
typedef struct {
  int32_t count;      /* output elements */
  int32_t same_shape; /* both inputs have the output's shape: one flat loop */
  int32_t dims[TL_MAX_RANK];
  int32_t strides_a[TL_MAX_RANK];
  int32_t strides_b[TL_MAX_RANK];
} tl_broadcast;

/* First (inclusive) and last (exclusive) kernel tap whose input coordinate
   origin + tap * dilation lies inside [0, size). Computed once per output row or
   column, so the multiply-accumulate loops never test bounds. */
static inline void tl_window_span(int32_t origin, int32_t dilation, int32_t taps, int32_t size,
                                  int32_t *first, int32_t *last) {
  int32_t lo = 0;
  int32_t hi = taps;
  if (origin < 0) {
    lo = (-origin + dilation - 1) / dilation;
  }
  if (origin + (taps - 1) * dilation >= size) {
    hi = (size - origin + dilation - 1) / dilation;
    if (hi < 0) hi = 0;
  }
  if (lo > hi) lo = hi;
  *first = lo;
  *last = hi;
}

#endif /* TL_RUNTIME_H */
