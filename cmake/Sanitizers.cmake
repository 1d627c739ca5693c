# LKMFS_SANITIZE=address  -> ASan + UBSan;  LKMFS_SANITIZE=thread -> TSan.
# scripts/sanitize.sh configures, builds and tests both; see README "Testing".
set(LKMFS_SANITIZE "" CACHE STRING "Sanitizer build: '', 'address' or 'thread'")
if(LKMFS_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(LKMFS_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC warns (-Wtsan, an error under -Werror) that TSan does not model
    # std::atomic_thread_fence, which Boost.Asio's scheduler uses; the control server's
    # threads are still checked through its mutexes and atomics.
    add_compile_options(-Wno-tsan)
  endif()
elseif(NOT LKMFS_SANITIZE STREQUAL "")
  message(FATAL_ERROR "LKMFS_SANITIZE must be '', 'address' or 'thread'")
endif()
if(NOT LKMFS_SANITIZE STREQUAL "" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12's instrumentation makes -Wmaybe-uninitialized fire inside libstdc++ (<regex>'s
  # std::function moves) under -Werror; the plain build keeps the warning.
  add_compile_options(-Wno-maybe-uninitialized)
endif()
