# Warnings for the project's own C and C++ code (not for module sources built by Kbuild).
add_library(lkmfs_warnings INTERFACE)
target_compile_options(lkmfs_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor -Wold-style-cast>)
option(LKMFS_WERROR "Treat warnings as errors" OFF)
if(LKMFS_WERROR)
  target_compile_options(lkmfs_warnings INTERFACE -Werror)
endif()
