"""The C that ships into firmware, as package data: tl_runtime.h, tl_quant.*, kernels/<op>.c and
kernels/<cpu>/<op>.c. The code generator copies the files a model needs next to the generated C."""
from pathlib import Path

RUNTIME_DIR = Path(__file__).resolve().parent
