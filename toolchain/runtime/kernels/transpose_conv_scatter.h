/* The scatter loop the three TRANSPOSE_CONV kernels share: ACC[out] += PRODUCT(input, filter) for
   every (input pixel, channel, filter tap, output channel) whose output pixel lies inside. */
#ifndef TL_TRANSPOSE_CONV_SCATTER_H
#define TL_TRANSPOSE_CONV_SCATTER_H

#define TL_TRANSPOSE_CONV_SCATTER(w, input, filter, acc, PRODUCT)                                          \
  do {                                                                                                   \
    int32_t b_, iy_, ix_, ic_, fy_, fx_, oc_;                                                            \
    for (b_ = 0; b_ < (w)->batches; ++b_)                                                                \
      for (iy_ = 0; iy_ < (w)->in_h; ++iy_)                                                              \
        for (ix_ = 0; ix_ < (w)->in_w; ++ix_)                                                            \
          for (ic_ = 0; ic_ < (w)->in_c; ++ic_) {                                                        \
            const int32_t oy0_ = iy_ * (w)->stride_h - (w)->pad_h;                                       \
            const int32_t ox0_ = ix_ * (w)->stride_w - (w)->pad_w;                                       \
            const size_t in_at_ = (((size_t)b_ * (w)->in_h + iy_) * (w)->in_w + ix_) * (w)->in_c + ic_;  \
            for (fy_ = 0; fy_ < (w)->k_h; ++fy_) {                                                       \
              const int32_t oy_ = oy0_ + fy_;                                                            \
              if (oy_ < 0 || oy_ >= (w)->out_h) continue;                                                \
              for (fx_ = 0; fx_ < (w)->k_w; ++fx_) {                                                     \
                const int32_t ox_ = ox0_ + fx_;                                                          \
                if (ox_ < 0 || ox_ >= (w)->out_w) continue;                                              \
                for (oc_ = 0; oc_ < (w)->out_c; ++oc_) {                                                 \
                  const size_t f_at_ = (((size_t)oc_ * (w)->k_h + fy_) * (w)->k_w + fx_) * (w)->in_c + ic_; \
                  const size_t out_at_ = (((size_t)b_ * (w)->out_h + oy_) * (w)->out_w + ox_) * (w)->out_c + oc_; \
                  (acc)[out_at_] += PRODUCT((input)[in_at_], (filter)[f_at_]);                           \
                }                                                                                        \
              }                                                                                          \
            }                                                                                            \
          }                                                                                              \
  } while (0)

#endif /* TL_TRANSPOSE_CONV_SCATTER_H */
