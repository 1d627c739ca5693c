#include "module_registry.h"

#include "exec_context.h"
#include "kernel_symbols.h"
#include "loaded_module.h"
#include "module_image.h"
#include "module_params.h"
#include "image_file.h"

#include <dlfcn.h>
#include <link.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
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

// Kernel-wide taint flags, as in /proc/sys/kernel/tainted; only the ones loading sets.
struct KernelTaint {
    std::atomic<bool> proprietary{false};
    std::atomic<bool> out_of_tree{false};
    std::atomic<bool> unsigned_module{false};
};

KernelTaint &kernel_taint() {
    static KernelTaint taint;
    return taint;
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

struct ModuleRegistry::Impl {
    explicit Impl(const KernelSymbols &symbols) : kernel_symbols(symbols) {}

    const KernelSymbols &kernel_symbols;
    std::mutex load_mutex;    // one insmod/rmmod at a time, as Linux's module_mutex
    mutable std::mutex mutex; // guards `modules` for readers (lsmod) during a slow init
    std::vector<std::unique_ptr<LoadedModule>> modules; // in load order
    std::function<void(LoadedModule &)> leftover_cleaner;

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
    void unlink_and_destroy(LoadedModule *module);
    void run_exit(LoadedModule &module, const Caller &caller);
};

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
    if (module.has_exit())
        module.mod()->exit();
}

void ModuleRegistry::Impl::unlink_and_destroy(LoadedModule *module) {
    if (leftover_cleaner)
        leftover_cleaner(*module);
    {
        ModuleScope scope(module);
        free_module_params(module->mod()->kp, module->mod()->kp_end);
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
    }
    owned.reset(); // dlclose: the module's code and data are gone from here on
}

ModuleRegistry::ModuleRegistry(const KernelSymbols &kernel_symbols)
    : impl_(std::make_unique<Impl>(kernel_symbols)) {}

ModuleRegistry::~ModuleRegistry() = default;

void ModuleRegistry::set_leftover_cleaner(std::function<void(LoadedModule &)> cleaner) {
    impl_->leftover_cleaner = std::move(cleaner);
}

Status ModuleRegistry::insmod(std::span<const std::byte> image, std::string_view origin,
                              std::string_view params, const Caller &caller,
                              std::string *name_out) {
    std::lock_guard load_lock(impl_->load_mutex);
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
    KernelTaint &taint = kernel_taint();
    std::string taints;
    if (!gpl) {
        taints += 'P';
        if (!taint.proprietary.exchange(true))
            printk(KERN_WARNING "%s: module license '%s' taints kernel.\n", name.c_str(),
                   license.empty() ? "unspecified" : license.c_str());
    }
    taints += 'O';
    if (!taint.out_of_tree.exchange(true))
        printk(KERN_WARNING "%s: loading out-of-tree module taints kernel.\n", name.c_str());
    taints += 'E';
    if (!taint.unsigned_module.exchange(true))
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
    }

    int ret = 0;
    if (mod->init != nullptr) {
        ModuleScope scope(module);
        ret = mod->init();
    }
    if (ret > 0) {
        printk(KERN_WARNING "%s: '%s'->init suspiciously returned %d, it should follow 0/-E "
                            "convention\n",
               name.c_str(), name.c_str(), ret);
        ret = 0;
    }
    if (ret < 0) {
        module->set_state(MODULE_STATE_GOING);
        impl_->unlink_and_destroy(module);
        return Status::error(-ret, "init returned " + std::to_string(ret));
    }
    module->set_state(MODULE_STATE_LIVE);
    return Status::ok();
}

Status ModuleRegistry::rmmod(std::string_view name, bool force, const Caller &caller) {
    std::lock_guard load_lock(impl_->load_mutex);
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
    impl_->run_exit(*module, caller);
    impl_->unlink_and_destroy(module);
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
