// The "module side" of cxx_layer_test: entries made with the C++ layer (<lkmfs/proc.hpp>)
// by code compiled as a module's C++ is (cxx_layer_module.cpp: -fno-exceptions
// -fno-rtti), whose handlers record what they saw in a Trace the test then reads.
#pragma once

#include <lkmfs/proc.hpp>

namespace lkmfs_cxx_test {

struct Trace {
    int opens = 0, reads = 0, writes = 0, lseeks = 0, releases = 0, ioctls = 0;
    // Destructions of the object the release handler captured by value (moved-from copies
    // do not count): exactly one per entry, after its last handler call.
    int captures_destroyed = 0;
    // Handler calls and the capture's destruction, in order: o(pen) r(ead) w(rite) l(seek)
    // R(elease) i(octl) D(estroyed).
    char events[32] = {};
    int event_count = 0;

    bool open_append = false, open_readable = false, open_writable = false;
    bool release_saw_private_data = false;
    loff_t read_pos = -1;
    std::size_t read_count = 0;
    loff_t write_pos = -1;
    int last_whence = -1;

    // The file's content, as the read and write handlers keep it.
    char content[16] = {};
    std::size_t content_len = 0;

    void event(char c) {
        if (event_count < static_cast<int>(sizeof events) - 1)
            events[event_count++] = c;
    }
};

// All six handlers as C++ lambdas capturing `trace`; the release handler also captures an
// object by value whose destruction is counted. Returns 0 or a negative errno.
int create_traced_file(lkmfs::proc_file &out, const char *name, Trace &trace,
                       struct proc_dir_entry *parent = nullptr);
// Only .read (a captureless lambda serving "ro\n"): the core's defaults for the rest.
int create_read_only_file(lkmfs::proc_file &out, const char *name);
// Handlers with struct proc_ops's signatures: nonseekable_open, a C function serving
// "c-style\n", default_llseek, and a lambda counting releases into *releases.
int create_c_style_file(lkmfs::proc_file &out, const char *name, int *releases);
int create_dir(lkmfs::proc_dir &out, const char *name);

} // namespace lkmfs_cxx_test
