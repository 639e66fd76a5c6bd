/* Host-only driver for sanitizer runs: reads N samples of raw input bytes from a file, runs the
   generated model on each and writes the raw output bytes to another file.
   usage: tl_host_driver INPUTS.bin OUTPUTS.bin N */
#include <stdio.h>
#include <stdlib.h>

#include "tl_model.h"

static int fail(const char *what) {
  fprintf(stderr, "tl_host_driver: %s\n", what);
  return 2;
}

int main(int argc, char **argv) {
  FILE *in;
  FILE *out;
  long n, s;
  int i;
  if (argc != 4) return fail("usage: tl_host_driver INPUTS.bin OUTPUTS.bin N");
  n = strtol(argv[3], NULL, 10);
  in = fopen(argv[1], "rb");
  if (!in) return fail("cannot open the inputs file");
  out = fopen(argv[2], "wb");
  if (!out) return fail("cannot open the outputs file");
  for (s = 0; s < n; ++s) {
    for (i = 0; i < TL_MODEL_NUM_INPUTS; ++i) {
      if (fread(tl_model_input(i), 1, tl_model_inputs[i].bytes, in) != tl_model_inputs[i].bytes) {
        return fail("inputs file too short");
      }
    }
    if (tl_model_invoke() != 0) return fail("tl_model_invoke failed");
    for (i = 0; i < TL_MODEL_NUM_OUTPUTS; ++i) {
      if (fwrite(tl_model_output(i), 1, tl_model_outputs[i].bytes, out) != tl_model_outputs[i].bytes) {
        return fail("cannot write the outputs file");
      }
    }
  }
  fclose(in);
  return fclose(out) == 0 ? 0 : fail("cannot close the outputs file");
}
