# lkmfs_kbuild_module(NAME SOURCE_DIR DEST_DIR OUT_VAR)
# Builds the module in SOURCE_DIR as a module author does: Kbuild-style, with its own
# Makefile against the staged SDK (KDIR), in a fresh copy under the build tree (never in
# the source tree); the result is copied to DEST_DIR/NAME.ko, whose path goes to OUT_VAR.

find_program(LKMFS_MAKE NAMES gmake make REQUIRED)

# A module must be rebuilt when the SDK changes, not only when its own sources do.
file(GLOB_RECURSE LKMFS_SDK_INPUTS CONFIGURE_DEPENDS
  ${PROJECT_SOURCE_DIR}/sdk/include/*.h ${PROJECT_SOURCE_DIR}/sdk/include/*.hpp
  ${PROJECT_SOURCE_DIR}/sdk/build/*)

function(lkmfs_kbuild_module name source_dir dest_dir out_var)
  file(GLOB sources CONFIGURE_DEPENDS ${source_dir}/*)
  set(work_dir ${CMAKE_CURRENT_BINARY_DIR}/${name})
  set(ko ${dest_dir}/${name}.ko)
  # The outer make's jobserver flags are dropped, as this make is not a recursive $(MAKE).
  add_custom_command(
    OUTPUT ${ko}
    COMMAND ${CMAKE_COMMAND} -E rm -rf ${work_dir}
    COMMAND ${CMAKE_COMMAND} -E copy_directory ${source_dir} ${work_dir}
    COMMAND ${CMAKE_COMMAND} -E env --unset=MAKEFLAGS --unset=MFLAGS --unset=MAKELEVEL
            ${LKMFS_MAKE} -C ${LKMFS_KDIR} M=${work_dir}
            CC=${CMAKE_C_COMPILER} CXX=${CMAKE_CXX_COMPILER} modules
    COMMAND ${CMAKE_COMMAND} -E copy ${work_dir}/${name}.ko ${ko}
    DEPENDS ${sources} ${LKMFS_SDK_INPUTS} lkmfs_kdir
    COMMENT "Building module ${name}.ko"
    VERBATIM)
  set(${out_var} ${ko} PARENT_SCOPE)
endfunction()
