#pragma once
// FUZZ_CHECK: the fuzz targets' assertion. It aborts (which libFuzzer reports as a crash, with the input
// saved) instead of throwing, and stays on in every build, unlike assert().
#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                            \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                 \
    }                                                                               \
  } while (0)
