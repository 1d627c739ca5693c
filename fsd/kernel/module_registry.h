// The loaded modules: insmod, rmmod and what lsmod and /proc/modules show.
#pragma once

#include "caller.h"
#include "module_unload.h"
#include "status.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct module;

namespace lkmfs::kernel {

class LoadedModule;
class KernelSymbols;

// One line of /proc/modules, and what `lkmctl lsmod` prints.
struct ModuleSummary {
    std::string name;
    std::size_t size = 0;             // bytes of the image, rounded up to pages
    int refcount = 0;                 // -1 while unloading, as Linux shows it
    std::vector<std::string> holders; // modules using this one ("Used by")
    std::string state;                // "Live", "Loading" or "Unloading"
    std::uintptr_t address = 0;       // load address (shown as 0x0... to non-root)
    std::string taints;               // e.g. "OE"
    bool permanent = false;           // has init but no exit: cannot be removed
};

using ModInfo = std::vector<std::pair<std::string, std::string>>; // key, value, in file order

// One parameter of a loaded module, as /sys/module/NAME/parameters/ shows it.
struct ParamValue {
    std::string name;
    std::string type;      // "int", "charp", "array of int"...; "" for module_param_cb()
    unsigned int perm = 0; // the mode given to module_param() (never 0: those are hidden)
    bool readable = false; // false: the value was not read (see params())
    std::string value;     // what ops->get wrote, without its trailing newline
};

class ModuleRegistry {
  public:
    explicit ModuleRegistry(const KernelSymbols &kernel_symbols);
    ~ModuleRegistry();
    ModuleRegistry(const ModuleRegistry &) = delete;
    ModuleRegistry &operator=(const ModuleRegistry &) = delete;

    // Loads the module in `image` (the bytes of NAME.ko; `origin` names the file in
    // messages) with parameters "a=1 b=x", running its init as `caller`.
    // Errors as init_module(2): ENOEXEC bad format or vermagic, EEXIST name taken, ENOENT
    // unknown symbol, EINVAL bad parameters, or what init returned. Returns the name.
    Status insmod(std::span<const std::byte> image, std::string_view origin,
                  std::string_view params, const Caller &caller, std::string *name_out);

    // Removes a module, running its exit as `caller`. EBUSY if in use or without exit
    // function (unless force), ENOENT if not loaded. Waits for the calls into the module's
    // entries that its exit's remove_proc_entry() waits for (rundown), reporting them
    // through `progress`; `force` interrupts them. While a removal waits, another rmmod of
    // the module gets EBUSY, as in Linux, but a forced one joins it: it interrupts the
    // calls, waits with it (reporting through its own `progress`) and succeeds.
    Status rmmod(std::string_view name, bool force, const Caller &caller,
                 const UnloadProgress &progress = {});

    // Removes every module, newest first (shutdown).
    void unload_all(const Caller &caller);

    std::vector<ModuleSummary> list() const;
    // The .modinfo of a loaded module; ENOENT if none by that name.
    Status modinfo(std::string_view name, ModInfo *out) const;

    // The parameters of a LIVE module with a non-zero perm, sorted by name, their
    // values read through ops->get as `caller`. Only those readable by all (S_IROTH) are
    // read unless `read_all` (root and the daemon's owner read them all, as root may in
    // sysfs). ENOENT if no live module by that name.
    Status params(std::string_view name, const Caller &caller, bool read_all,
                  std::vector<ParamValue> *out) const;

    // Sets a parameter of a LIVE module through its ops->set, under the module's parameter
    // lock and in its context (a charp value is the module's memory), as `caller`. ENOENT
    // no such live module or no such (visible) parameter; EACCES no write bit in its perm;
    // otherwise the setter's error, the old value kept.
    Status set_param(std::string_view name, std::string_view param, std::string_view value,
                     const Caller &caller);

    // Called after a module's exit (or failed init) ran, before its code is unmapped:
    // whatever the module left registered must go now (the /proc tree uses this).
    void set_leftover_cleaner(std::function<void(LoadedModule &)> cleaner);
    // How removals find (and, forced, interrupt) the calls in flight into a module.
    void set_module_calls(ModuleCalls calls);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace lkmfs::kernel
