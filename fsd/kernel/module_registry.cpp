#include "module_registry.h"

#include "oops.h"

#include "exec_context.h"
#include "kernel_symbols.h"
#include "kmemleak.h"
#include "loaded_module.h"
#include "module_image.h"
#include "module_params.h"
#include "slab_registry.h"
#include "taint.h"
#include "image_file.h"

#include <dlfcn.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>

#include <linux/kernel.h>
#include <linux/module.h>

#ifndef LKMFS_VERMAGIC
#error "LKMFS_VERMAGIC must be defined by the build"
#endif

namespace lkmfs::kernel {

namespace {

// Licences Linux treats as GPL-compatible (license_is_gpl_compatible()).
bool license_is_gpl_compatible(std::string_view license) {
    return license == "GPL" || license == "GPL v2" || license == "GPL and additional rights" ||
           license == "Dual BSD/GPL" || license == "Dual MIT/GPL" || license == "Dual MPL/GPL";
}

std::uintptr_t load_base(void *handle) {
    link_map *map = nullptr;
    if (::dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || map == nullptr)
        return 0;
    return map->l_addr;
}

bool exports_gpl_only(const struct module *mod, std::string_view name) {
    for (auto *s = mod->gpl_syms; s != nullptr && s < mod->gpl_syms_end; ++s)
        if (name == s->name)
            return true;
    return false;
}

bool exports(const struct module *mod, std::string_view name) {
    for (auto *s = mod->syms; s != nullptr && s < mod->syms_end; ++s)
        if (name == s->name)
            return true;
    return exports_gpl_only(mod, name);
}

} // namespace

// The load lock (Linux's module_mutex, held here across init and exit too). An rmmod
// waiting for it may have to stop waiting instead: when a removal of the very module it
// wants to remove begins (see ModuleRegistry::rmmod), which kick()s the waiters.
class LoadLock {
  public:
    void lock() {
        std::unique_lock lock(mutex_);
        free_.wait(lock, [&] { return !held_; });
        held_ = true;
    }
    void unlock() {
        {
            std::lock_guard lock(mutex_);
            held_ = false;
        }
        free_.notify_all();
    }
    // Takes the lock (true), unless `give_up()` is true first (false). `give_up` runs
    // under this lock's own mutex, so it may take the registry's list lock but nothing
    // that is held while kick() is called.
    template <class Pred>
    bool lock_unless(Pred give_up) {
        std::unique_lock lock(mutex_);
        free_.wait(lock, [&] { return !held_ || give_up(); });
        if (held_)
            return false;
        held_ = true;
        return true;
    }
    void kick() {
        std::lock_guard lock(mutex_);
        free_.notify_all();
    }

  private:
    std::mutex mutex_;
    std::condition_variable free_;
    bool held_ = false;
};

// A module's parameter lock (kernel_param_lock() in Linux): run-time reads and writes of
// its parameters hold it; once closed (the module is going), none may start, and closing
// waits for the one in progress. Shared, so that a caller that found the module can wait
// on it safely while the module goes.
struct ParamGate {
    std::mutex mutex;
    bool closed = false;
};

struct ModuleRegistry::Impl {
    explicit Impl(const KernelSymbols &symbols) : kernel_symbols(symbols) {}

    const KernelSymbols &kernel_symbols;
    LoadLock load_lock;       // one insmod/rmmod at a time, as Linux's module_mutex
    mutable std::mutex mutex; // guards `modules` for readers (lsmod) during a slow init
    std::vector<std::unique_ptr<LoadedModule>> modules; // in load order
    std::function<void(LoadedModule &)> leftover_cleaner;
    ModuleCalls module_calls;
    // Removals under way, by module name (under `mutex`): from the exit's start until the
    // module leaves the list.
    std::map<std::string, std::shared_ptr<ModuleUnload>, std::less<>> unloads;
    std::vector<std::unique_ptr<LoadedModule>> zombies; // unloaded, code kept mapped
    std::map<const LoadedModule *, std::shared_ptr<ParamGate>> param_gates; // under `mutex`

    LoadedModule *find_locked(std::string_view name) const {
        for (auto &m : modules)
            if (m->name() == name)
                return m.get();
        return nullptr;
    }
    LoadedModule *find(std::string_view name) const {
        std::lock_guard lock(mutex);
        return find_locked(name);
    }

    Status resolve_symbols(const std::string &name, const ModuleImage &image, bool gpl,
                           std::vector<LoadedModule *> *uses);
    Status check_duplicate_exports(const std::string &name, const ModuleImage &image);
    // `unload`: the removal under way, over once the module is out of the list.
    void unlink_and_destroy(LoadedModule *module, ModuleUnload *unload = nullptr);
    std::shared_ptr<ModuleUnload> unload_of(std::string_view name) const {
        std::lock_guard lock(mutex);
        auto it = unloads.find(name);
        return it != unloads.end() ? it->second : nullptr;
    }
    void run_exit(LoadedModule &module, const Caller &caller);

    // The live module `name` and its parameter gate, locked and open; ENOENT otherwise.
    Status lock_params(std::string_view name, LoadedModule **module,
                       std::unique_lock<std::mutex> *lock) const;
    // No parameter access starts from now on; waits for the one in progress.
    void close_params(const LoadedModule *module);
};

Status ModuleRegistry::Impl::lock_params(std::string_view name, LoadedModule **module,
                                         std::unique_lock<std::mutex> *lock) const {
    auto not_loaded = [&] {
        return Status::error(ENOENT, "Module " + std::string(name) + " is not currently loaded");
    };
    std::shared_ptr<ParamGate> gate;
    LoadedModule *m = nullptr;
    {
        std::lock_guard guard(mutex);
        m = find_locked(name);
        if (m == nullptr || m->state() != MODULE_STATE_LIVE)
            return not_loaded();
        auto it = param_gates.find(m);
        if (it == param_gates.end())
            return not_loaded();
        gate = it->second;
    }
    // The gate outlives the module; the module lives while its gate is open.
    std::unique_lock gate_lock(gate->mutex);
    if (gate->closed || m->state() != MODULE_STATE_LIVE)
        return not_loaded();
    *module = m;
    // The lock refers to the gate's mutex; the shared_ptr copy in param_gates (erased only
    // after close_params() took this very mutex) keeps it alive while we hold it.
    *lock = std::move(gate_lock);
    return Status::ok();
}

void ModuleRegistry::Impl::close_params(const LoadedModule *module) {
    std::shared_ptr<ParamGate> gate;
    {
        std::lock_guard guard(mutex);
        auto it = param_gates.find(module);
        if (it == param_gates.end())
            return;
        gate = it->second;
    }
    std::lock_guard gate_lock(gate->mutex);
    gate->closed = true;
}

Status ModuleRegistry::Impl::resolve_symbols(const std::string &name, const ModuleImage &image,
                                             bool gpl, std::vector<LoadedModule *> *uses) {
    std::vector<std::string> unknown;
    std::lock_guard lock(mutex);
    for (const std::string &sym : image.needed_symbols) {
        if (kernel_symbols.provides(sym))
            continue;
        LoadedModule *provider = nullptr;
        for (auto &m : modules)
            if (m->state() == MODULE_STATE_LIVE && exports(m->mod(), sym))
                provider = m.get();
        // A proprietary module cannot see EXPORT_SYMBOL_GPL symbols, as in Linux.
        if (provider != nullptr && (gpl || !exports_gpl_only(provider->mod(), sym))) {
            if (std::find(uses->begin(), uses->end(), provider) == uses->end())
                uses->push_back(provider);
            continue;
        }
        unknown.push_back(sym);
    }
    for (const std::string &sym : unknown)
        printk(KERN_WARNING "%s: Unknown symbol %s (err -2)\n", name.c_str(), sym.c_str());
    if (!unknown.empty())
        return Status::error(ENOENT,
                             "Unknown symbol " + unknown.front() +
                                 (unknown.size() > 1
                                      ? " (and " + std::to_string(unknown.size() - 1) + " more)"
                                      : ""));
    return Status::ok();
}

Status ModuleRegistry::Impl::check_duplicate_exports(const std::string &name,
                                                     const ModuleImage &image) {
    std::lock_guard lock(mutex);
    for (const std::string &sym : image.defined_symbols) {
        if (sym == "__this_module")
            continue;
        const char *owner = nullptr;
        if (kernel_symbols.is_kernel_api(sym))
            owner = "kernel";
        for (auto &m : modules)
            if (exports(m->mod(), sym))
                owner = m->name().c_str();
        if (owner != nullptr) {
            printk(KERN_ERR "%s: exports duplicate symbol %s (owned by %s)\n", name.c_str(),
                   sym.c_str(), owner);
            return Status::error(ENOEXEC,
                                 "exports duplicate symbol " + sym + " (owned by " + owner + ")");
        }
    }
    return Status::ok();
}

void ModuleRegistry::Impl::run_exit(LoadedModule &module, const Caller &caller) {
    TaskScope task(caller);
    ModuleScope scope(&module);
    // An oops in exit ends exit, not the removal: what the module left is cleaned up after.
    if (module.has_exit())
        run_contained("module exit", [&] { module.mod()->exit(); });
}

void ModuleRegistry::Impl::unlink_and_destroy(LoadedModule *module, ModuleUnload *unload) {
    close_params(module);
    if (leftover_cleaner)
        leftover_cleaner(*module);
    {
        ModuleScope scope(module);
        free_module_params(module->mod()->kp, module->mod()->kp_end);
    }
    // What the module allocated and never freed stays allocated (as in Linux) but is
    // reported, so the author learns of the leak.
    // With kmemleak on, each object is shown as kmemleak shows it, with its backtrace.
    const AllocStats &stats = *module->alloc_stats();
    if (stats.live_objects.load() != 0) {
        if (kmemleak_enabled())
            report_leaks(module->name(), objects_charged_to(module->alloc_stats()));
        printk(KERN_WARNING
               "%s: module leaked %zu object(s), %zu bytes (kmalloc, vmalloc, kmem_cache_alloc)\n",
               module->name().c_str(), stats.live_objects.load(), stats.live_bytes.load());
    }
    std::unique_ptr<LoadedModule> owned;
    {
        std::lock_guard lock(mutex);
        for (LoadedModule *provider : module->uses) {
            auto &h = provider->holders;
            h.erase(std::remove(h.begin(), h.end(), module), h.end());
            provider->put();
        }
        auto it = std::find_if(modules.begin(), modules.end(),
                               [&](auto &m) { return m.get() == module; });
        owned = std::move(*it);
        modules.erase(it);
        param_gates.erase(module);
        if (unload != nullptr)
            unloads.erase(unload->name());
    }
    if (unload != nullptr)
        unload->finish(); // before the module's code goes: nothing looks for its calls after
    if (owned->kept_mapped()) {
        // Its code still runs on a thread that would not stop, in its module scope: the
        // record stays too (out of the list), so that scope never dangles.
        std::lock_guard lock(mutex);
        zombies.push_back(std::move(owned));
        return;
    }
    owned.reset(); // dlclose: the module's code and data are gone from here on
}

ModuleRegistry::ModuleRegistry(const KernelSymbols &kernel_symbols)
    : impl_(std::make_unique<Impl>(kernel_symbols)) {}

ModuleRegistry::~ModuleRegistry() = default;

void ModuleRegistry::set_leftover_cleaner(std::function<void(LoadedModule &)> cleaner) {
    impl_->leftover_cleaner = std::move(cleaner);
}

void ModuleRegistry::set_module_calls(ModuleCalls calls) {
    impl_->module_calls = std::move(calls);
}

Status ModuleRegistry::insmod(std::span<const std::byte> image, std::string_view origin,
                              std::string_view params, const Caller &caller,
                              std::string *name_out) {
    std::lock_guard load_lock(impl_->load_lock);
    TaskScope task(caller);

    ModuleImage parsed;
    Status st = parse_module_image(image, &parsed);
    if (!st) {
        printk(KERN_ERR "lkmfs: %.*s: %s\n", static_cast<int>(origin.size()), origin.data(),
               st.message.c_str());
        return st;
    }
    std::string name = parsed.info("name");
    if (name.empty())
        return Status::error(ENOEXEC, "no module name in .modinfo (not built with an lkmfs KDIR?)");
    if (name_out != nullptr)
        *name_out = name;
    std::string vermagic = parsed.info("vermagic");
    if (vermagic.empty()) {
        printk(KERN_ERR "%s: no version magic\n", name.c_str());
        return Status::error(ENOEXEC, "no version magic");
    }
    if (vermagic != LKMFS_VERMAGIC) {
        printk(KERN_ERR "%s: version magic '%s' should be '%s'\n", name.c_str(), vermagic.c_str(),
               LKMFS_VERMAGIC);
        return Status::error(ENOEXEC,
                             "version magic '" + vermagic + "' should be '" + LKMFS_VERMAGIC + "'");
    }
    if (impl_->find(name) != nullptr)
        return Status::error(EEXIST, "module " + name + " is already loaded");

    // Taints, announced once per kernel as Linux does.
    std::string license = parsed.info("license");
    bool gpl = license_is_gpl_compatible(license);
    std::string taints;
    if (!gpl) {
        taints += 'P';
        if (!add_taint(kTaintProprietaryModule))
            printk(KERN_WARNING "%s: module license '%s' taints kernel.\n", name.c_str(),
                   license.empty() ? "unspecified" : license.c_str());
    }
    taints += 'O';
    if (!add_taint(kTaintOutOfTreeModule))
        printk(KERN_WARNING "%s: loading out-of-tree module taints kernel.\n", name.c_str());
    taints += 'E';
    if (!add_taint(kTaintUnsignedModule))
        printk(KERN_WARNING "%s: module verification failed: signature and/or required key "
                            "missing - tainting kernel\n",
               name.c_str());

    std::vector<LoadedModule *> uses;
    if (Status s = impl_->resolve_symbols(name, parsed, gpl, &uses); !s)
        return s;
    if (Status s = impl_->check_duplicate_exports(name, parsed); !s)
        return s;

    auto file = std::make_unique<ImageFile>(image);
    if (!file->ok())
        return Status::error(ENOMEM,
                             std::string("cannot copy the module image: ") + std::strerror(errno));
    auto record = std::make_unique<LoadedModule>(name, std::string(origin), parsed);
    record->taints = taints;
    LoadedModule *module = record.get();
    void *handle = nullptr;
    {
        // Constructors of C++ modules run inside dlopen: account them to the module.
        ModuleScope scope(module);
        handle = ::dlopen(file->path().c_str(), RTLD_NOW | RTLD_GLOBAL);
    }
    if (handle == nullptr) {
        std::string why = ::dlerror();
        printk(KERN_ERR "%s: cannot map module: %s\n", name.c_str(), why.c_str());
        return Status::error(ENOEXEC, why);
    }
    auto *mod = static_cast<struct module *>(::dlsym(handle, "__this_module"));
    if (mod == nullptr) {
        ::dlclose(handle);
        printk(KERN_ERR "%s: no __this_module (not built with an lkmfs KDIR?)\n", name.c_str());
        return Status::error(ENOEXEC, "no __this_module");
    }
    record->attach(handle, mod, load_base(handle));
    record->keep_image(std::move(file));
    record->set_state(MODULE_STATE_COMING);
    record->uses = uses;

    Status params_ok;
    {
        // Values the setters allocate (charp) are the module's, freed when it goes.
        ModuleScope scope(module);
        params_ok = apply_module_params(name, params, mod->kp, mod->kp_end);
        if (!params_ok)
            free_module_params(mod->kp, mod->kp_end);
    }
    if (!params_ok)
        return params_ok; // record's destructor unmaps the module

    {
        std::lock_guard lock(impl_->mutex);
        for (LoadedModule *provider : uses) {
            provider->try_get();
            provider->holders.push_back(module);
        }
        impl_->modules.push_back(std::move(record));
        impl_->param_gates.emplace(module, std::make_shared<ParamGate>());
    }

    int ret = 0;
    bool oopsed = false;
    if (mod->init != nullptr) {
        ModuleScope scope(module);
        // An oops in init fails the load (Linux kills insmod and leaves the module stuck
        // "Loading"): what init made so far is cleaned up as after a failed init.
        oopsed = !run_contained("module init", [&] { ret = mod->init(); });
        if (oopsed)
            ret = -EFAULT;
    }
    if (ret > 0 && !oopsed) {
        printk(KERN_WARNING "%s: '%s'->init suspiciously returned %d, it should follow 0/-E "
                            "convention\n",
               name.c_str(), name.c_str(), ret);
        ret = 0;
    }
    if (ret < 0) {
        module->set_state(MODULE_STATE_GOING);
        impl_->unlink_and_destroy(module);
        return Status::error(-ret, oopsed ? std::string("init oopsed (see dmesg)")
                                          : "init returned " + std::to_string(ret));
    }
    module->set_state(MODULE_STATE_LIVE);
    return Status::ok();
}

Status ModuleRegistry::rmmod(std::string_view name, bool force, const Caller &caller,
                             const UnloadProgress &progress) {
    // A removal holds the load lock for as long as its module's exit waits for calls in
    // flight. One of this very module may be under way, or begin while we wait for the
    // lock: Linux refuses a second delete_module() of a going module with EBUSY; a forced
    // one here joins the first instead, so that its wait can be ended.
    while (!impl_->load_lock.lock_unless([&] { return impl_->unload_of(name) != nullptr; })) {
        std::shared_ptr<ModuleUnload> unload = impl_->unload_of(name);
        if (unload == nullptr)
            continue; // it ended meanwhile
        if (!force)
            return Status::error(EBUSY, "Module " + std::string(name) +
                                            " is already being removed (rmmod -f interrupts "
                                            "the calls it waits for)");
        if (unload->force())
            unload->wait(progress);
        return Status::ok();
    }
    std::lock_guard load_lock(impl_->load_lock, std::adopt_lock);
    LoadedModule *module = impl_->find(name);
    if (module == nullptr || module->state() == MODULE_STATE_UNFORMED)
        return Status::error(ENOENT, "Module " + std::string(name) + " is not currently loaded");
    if (module->state() != MODULE_STATE_LIVE)
        return Status::error(EBUSY, "Module " + std::string(name) + " is busy");
    {
        std::lock_guard lock(impl_->mutex);
        // Not even a forced removal may pull a module from under its users (as Linux).
        if (!module->holders.empty())
            return Status::error(EWOULDBLOCK, "Module " + std::string(name) + " is in use");
    }
    if (module->mod()->init != nullptr && !module->has_exit() && !force)
        return Status::error(EBUSY, "Module " + std::string(name) +
                                        " has no exit function and cannot be removed");
    if (!module->try_begin_unload()) {
        if (!force)
            return Status::error(EWOULDBLOCK, "Module " + std::string(name) + " is in use");
        printk(KERN_WARNING "%s: forced unload of a module still in use (refcount %d)\n",
               module->name().c_str(), module->refcount());
        module->set_state(MODULE_STATE_GOING);
    }
    auto unload = std::make_shared<ModuleUnload>(module->name(), module, impl_->module_calls);
    {
        std::lock_guard lock(impl_->mutex);
        impl_->unloads.emplace(module->name(), unload);
    }
    impl_->load_lock.kick(); // an rmmod of this module waiting for the lock stops waiting
    if (force)
        unload->force();
    unload->start(progress);
    // Its exit runs with no parameter being read or written (their files go first in Linux).
    impl_->close_params(module);
    impl_->run_exit(*module, caller);
    impl_->unlink_and_destroy(module, unload.get());
    return Status::ok();
}

void ModuleRegistry::unload_all(const Caller &caller) {
    while (true) {
        LoadedModule *newest = nullptr;
        {
            std::lock_guard lock(impl_->mutex);
            if (impl_->modules.empty())
                return;
            newest = impl_->modules.back().get();
        }
        // Shutdown removes everything: holders first (they are newer), then providers.
        if (!rmmod(newest->name(), true, caller))
            return;
    }
}

std::vector<ModuleSummary> ModuleRegistry::list() const {
    std::lock_guard lock(impl_->mutex);
    std::vector<ModuleSummary> out;
    // /proc/modules lists the newest module first, as Linux does.
    for (auto it = impl_->modules.rbegin(); it != impl_->modules.rend(); ++it) {
        const LoadedModule &m = **it;
        ModuleSummary s;
        s.name = m.name();
        s.size = m.image().load_size;
        s.refcount = m.refcount();
        for (LoadedModule *h : m.holders)
            s.holders.push_back(h->name());
        switch (m.state()) {
        case MODULE_STATE_COMING:
            s.state = "Loading";
            break;
        case MODULE_STATE_GOING:
            s.state = "Unloading";
            break;
        default:
            s.state = "Live";
        }
        s.address = m.base_address();
        s.taints = m.taints;
        s.permanent = m.mod()->init != nullptr && !m.has_exit();
        out.push_back(std::move(s));
    }
    return out;
}

Status ModuleRegistry::modinfo(std::string_view name, ModInfo *out) const {
    std::lock_guard lock(impl_->mutex);
    LoadedModule *m = impl_->find_locked(name);
    if (m == nullptr)
        return Status::error(ENOENT, "Module " + std::string(name) + " not found.");
    *out = m->image().modinfo;
    out->insert(out->begin(), {"filename", m->origin()});
    return Status::ok();
}

Status ModuleRegistry::params(std::string_view name, const Caller &caller, bool read_all,
                              std::vector<ParamValue> *out) const {
    out->clear();
    LoadedModule *module = nullptr;
    std::unique_lock<std::mutex> lock;
    if (Status st = impl_->lock_params(name, &module, &lock); !st)
        return st;
    const ModuleImage &image = module->image();
    TaskScope task(caller);
    ModuleScope scope(module);
    for (const kernel_param *kp = module->mod()->kp; kp != nullptr && kp < module->mod()->kp_end;
         ++kp) {
        if (kp->perm == 0) // no file in sysfs
            continue;
        ParamValue row;
        row.name = kp->name;
        row.perm = kp->perm;
        row.type = module_param_type(kp);
        if (row.type.empty()) // module_param_cb(): only what the module declared, if anything
            for (const auto &[key, value] : image.modinfo)
                if (key == "parmtype" && value.rfind(row.name + ":", 0) == 0)
                    row.type = value.substr(row.name.size() + 1);
        if (read_all || (kp->perm & S_IROTH) != 0)
            row.readable = read_module_param(kp, &row.value) == 0;
        out->push_back(std::move(row));
    }
    // As a listing of /sys/module/NAME/parameters/: by name (the order of a module's
    // __param section is the compiler's business).
    std::sort(out->begin(), out->end(),
              [](const ParamValue &a, const ParamValue &b) { return a.name < b.name; });
    return Status::ok();
}

Status ModuleRegistry::set_param(std::string_view name, std::string_view param,
                                 std::string_view value, const Caller &caller) {
    LoadedModule *module = nullptr;
    std::unique_lock<std::mutex> lock;
    if (Status st = impl_->lock_params(name, &module, &lock); !st)
        return st;
    const kernel_param *kp = find_module_param(module->mod()->kp, module->mod()->kp_end, param);
    std::string what = "parameter '" + std::string(param) + "' of module " + std::string(name);
    if (kp == nullptr || kp->perm == 0)
        return Status::error(ENOENT, "Module " + std::string(name) + " has no parameter '" +
                                         std::string(param) + "'");
    if ((kp->perm & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned int>(kp->perm));
        return Status::error(EACCES, what + " is not writable (mode " + mode + ")");
    }
    int err = 0;
    {
        TaskScope task(caller);
        ModuleScope scope(module);
        err = write_module_param(kp, value);
    }
    if (err == 0)
        return Status::ok();
    int code = err < 0 ? -err : err;
    return Status::error(code, "invalid value '" + std::string(value) + "' for " + what + ": " +
                                   std::strerror(code));
}

} // namespace lkmfs::kernel

// ---- C API: module references ----------------------------------------------------------

namespace {
lkmfs::kernel::LoadedModule *record_of(const struct module *mod) {
    return mod != nullptr ? static_cast<lkmfs::kernel::LoadedModule *>(mod->lkmfs_private)
                          : nullptr;
}
} // namespace

extern "C" bool try_module_get(struct module *module) {
    auto *m = record_of(module);
    return m == nullptr || m->try_get();
}

extern "C" void module_put(struct module *module) {
    if (auto *m = record_of(module))
        m->put();
}

extern "C" void __module_get(struct module *module) {
    if (auto *m = record_of(module))
        m->try_get();
}

extern "C" int module_refcount(struct module *mod) {
    auto *m = record_of(mod);
    return m != nullptr ? m->refcount() : 0;
}
