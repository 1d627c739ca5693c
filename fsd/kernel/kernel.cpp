#include "kernel.h"

#include "kernel_symbols.h"
#include "loaded_module.h"
#include "procfs/core_entries.h"
#include "procfs/proc_tree.h"

#include <cstdio>
#include <stdexcept>

namespace lkmfs::kernel {

namespace {
Kernel *g_running_kernel = nullptr;

// The console: records below console_loglevel, formatted as the kernel's console prints.
void print_to_console(const LogRecord &record) {
    std::fprintf(stderr, "[%5llu.%06llu] %s\n",
                 static_cast<unsigned long long>(record.ts_usec / 1000000),
                 static_cast<unsigned long long>(record.ts_usec % 1000000), record.text.c_str());
}
} // namespace

Kernel::Kernel(const KernelOptions &options)
    : options_(options), log_(std::make_unique<PrintkRing>(options.log_buf_bytes)),
      symbols_(std::make_unique<KernelSymbols>()) {
    if (g_running_kernel != nullptr)
        throw std::logic_error("only one simulated kernel may run per process");
    g_running_kernel = this;
    int console_level = options.console_loglevel;
    log_->set_console([console_level](const LogRecord &record) {
        if (record.level < console_level && !record.cont)
            print_to_console(record);
    });
    if (Status st = KernelSymbols::from_running_executable(symbols_.get()); !st)
        throw std::runtime_error("cannot read the kernel symbol table: " + st.message);
    proc_ = std::make_unique<procfs::ProcTree>(options.owner_uid, options.owner_gid);
    procfs::register_core_entries(*proc_);
    modules_ = std::make_unique<ModuleRegistry>(*symbols_);
    modules_->set_leftover_cleaner(
        [this](LoadedModule &module) { proc_->remove_leftovers_of(&module); });
}

void Kernel::begin_shutdown() {
    shutting_down_.store(true);
    log_->kick_waiters();
}

Kernel::~Kernel() {
    modules_.reset();
    proc_.reset();
    g_running_kernel = nullptr;
}

Kernel &Kernel::get() {
    return *g_running_kernel;
}

} // namespace lkmfs::kernel
