"""Split computing: the device runs a model's head, the aggregator its tail (docs/split.md)."""
from toolchain.split.cut import (Cut, SplitError, SplitFiles, SplitModels, cut_positions,  # noqa: F401
                                 find_cut, split_graph, write_split)
