# LKMFS_FUZZ=ON builds the libFuzzer targets of tests/fuzz (clang only): everything compiled
# in this tree gets coverage instrumentation plus ASan and UBSan, and the fuzz_* programs
# link libFuzzer's driver. scripts/fuzz.sh configures such a build and runs them. The normal
# build compiles the same targets as fuzz_*_replay programs that ctest runs over the corpus.
option(LKMFS_FUZZ "Build the libFuzzer targets (needs clang)" OFF)
if(LKMFS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "LKMFS_FUZZ needs clang (CC=clang CXX=clang++)")
  endif()
  if(NOT LKMFS_SANITIZE STREQUAL "")
    message(FATAL_ERROR "LKMFS_FUZZ brings its own sanitizers; leave LKMFS_SANITIZE empty")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
  # The SDK's <linux/compiler.h> defines `fallthrough` as a macro (as Linux does); a kernel
  # source that includes it before an Asio header then breaks clang's boost/config, which
  # tests __has_cpp_attribute(fallthrough). Reading Boost's config first sidesteps it (gcc's
  # boost/config does not look at that attribute, so the normal build never sees this).
  add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-includeboost/config.hpp>)
endif()
