// The target that builds the test programs' precompiled header (cmake/PrecompiledHeaders.cmake)
// needs a source file of its own; it has nothing else to do.
namespace lkmfs::pch_donor {
int unused = 0;
} // namespace lkmfs::pch_donor
