# Precompiled headers. Most of the compile time of a file here is parsing the standard
# library (and, for tests, GoogleTest) again; a precompiled copy per target saves it. The
# sanitizer builds CI runs after the plain one (scripts/sanitize.sh) make this matter.
# -DLKMFS_PCH=OFF builds without them, which also checks that each file includes what it
# uses.
option(LKMFS_PCH "Precompile the standard library and GoogleTest headers" ON)

set(LKMFS_PCH_STD_HEADERS
    <algorithm> <array> <atomic> <cerrno> <chrono> <cstdint> <cstdio> <cstdlib> <cstring>
    <functional> <map> <memory> <mutex> <optional> <string> <string_view> <unordered_map>
    <utility> <vector>)

# lkmfs_precompile_std(TARGET...): each TARGET precompiles the standard headers for itself
# (targets differ in flags such as -fPIC, which a precompiled header must match).
function(lkmfs_precompile_std)
  if(LKMFS_PCH)
    foreach(target ${ARGN})
      target_precompile_headers(${target} PRIVATE ${LKMFS_PCH_STD_HEADERS})
    endforeach()
  endif()
endfunction()

# lkmfs_test_pch(TARGET): TARGET, a test program, uses the precompiled header the target
# lkmfs_test_pch (tests/CMakeLists.txt) builds once for all of them.
function(lkmfs_test_pch target)
  if(LKMFS_PCH)
    target_precompile_headers(${target} REUSE_FROM lkmfs_test_pch)
    # C sources (modules written in C, compiled into a test program) keep to plain C.
    get_target_property(sources ${target} SOURCES)
    foreach(source ${sources})
      if(source MATCHES "\\.c$")
        set_source_files_properties(${source} TARGET_DIRECTORY ${target}
                                    PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
      endif()
    endforeach()
  endif()
endfunction()

if(LKMFS_PCH AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  # With the standard headers precompiled, GCC 12 no longer keeps its known false positives
  # inside libstdc++ (GCC bugs 105329, 105651: -Warray-bounds, -Wstringop-overflow,
  # -Wstringop-overread and -Wrestrict in std::string's operator+ on an rvalue, fixed in
  # GCC 13): they surface in any file that concatenates such strings. The build with
  # -DLKMFS_PCH=OFF keeps these warnings.
  add_compile_options(-Wno-array-bounds -Wno-stringop-overflow -Wno-stringop-overread
                      -Wno-restrict)
endif()
