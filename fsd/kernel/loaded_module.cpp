#include "loaded_module.h"

#include <dlfcn.h>

namespace lkmfs::kernel {

LoadedModule::LoadedModule(std::string name, std::string origin, ModuleImage image)
    : name_(std::move(name)), origin_(std::move(origin)), image_(std::move(image)),
      stats_(new_alloc_stats(name_)) {}

LoadedModule::~LoadedModule() {
    if (dl_handle_ != nullptr && !keep_mapped_)
        ::dlclose(dl_handle_);
}

void LoadedModule::attach(void *dl_handle, struct module *mod, std::uintptr_t base) {
    dl_handle_ = dl_handle;
    mod_ = mod;
    base_ = base;
    mod_->lkmfs_private = this;
}

bool LoadedModule::try_get() {
    if (state() == MODULE_STATE_GOING)
        return false;
    refs_.fetch_add(1);
    return true;
}

void LoadedModule::put() {
    refs_.fetch_sub(1);
}

bool LoadedModule::try_begin_unload() {
    // Linux subtracts MODULE_REF_BASE so a module going away shows refcount -1.
    int expected = 0;
    if (!refs_.compare_exchange_strong(expected, -1))
        return false;
    set_state(MODULE_STATE_GOING);
    return true;
}

void LoadedModule::set_state(module_state state) {
    state_.store(state);
    if (mod_ != nullptr)
        mod_->state = state;
}

module_state LoadedModule::state() const {
    return state_.load();
}

bool LoadedModule::has_exit() const {
    return mod_ != nullptr && mod_->exit != nullptr;
}

} // namespace lkmfs::kernel
