"""LargeML -> TinyML: data sets, teacher/student training with knowledge distillation, int8 conversion.

`pipeline.distill()` and `pipeline.quantize()` are the stage's API; TensorFlow (the `train` extra)
is imported only inside them.
"""
