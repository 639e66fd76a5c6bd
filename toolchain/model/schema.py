"""The TFLite flatbuffer schema, as shipped inside the tflite-micro wheel (no TensorFlow needed)."""
from tflite_micro.tensorflow.lite.micro.python.schema_py_generated import *  # noqa: F401,F403
