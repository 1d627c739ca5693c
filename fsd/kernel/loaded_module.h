// A module in the simulated kernel: its image, its dlopen handle, its `struct module`,
// its references and what it depends on.
#pragma once

#include "alloc_stats.h"
#include "image_file.h"
#include "module_image.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <linux/module.h>

namespace lkmfs::kernel {

class LoadedModule {
  public:
    LoadedModule(std::string name, std::string origin, ModuleImage image);
    ~LoadedModule();
    LoadedModule(const LoadedModule &) = delete;
    LoadedModule &operator=(const LoadedModule &) = delete;

    const std::string &name() const { return name_; }
    const std::string &origin() const { return origin_; }
    const ModuleImage &image() const { return image_; }
    AllocStats *alloc_stats() const { return stats_; }

    struct module *mod() const {
        return mod_;
    }
    void attach(void *dl_handle, struct module *mod, std::uintptr_t base);
    void *dl_handle() const { return dl_handle_; }
    std::uintptr_t base_address() const { return base_; }
    // The copy the module was mapped from; closed after the module is unmapped.
    void keep_image(std::unique_ptr<ImageFile> file) { image_file_ = std::move(file); }

    // References (try_module_get/module_put, and one per module that uses this one).
    bool try_get();
    void put();
    int refcount() const { return refs_.load(); }
    // Marks the module as going if nobody holds a reference; false otherwise.
    bool try_begin_unload();
    void set_state(module_state state);
    module_state state() const;

    bool has_exit() const;
    // The module's code must outlive its record (a kthread of it would not stop): the
    // library is never unmapped.
    void keep_mapped() { keep_mapped_ = true; }
    bool kept_mapped() const { return keep_mapped_; }

    std::string taints;                  // "OE", kept in kernel order
    std::vector<LoadedModule *> uses;    // modules whose exports this one binds to
    std::vector<LoadedModule *> holders; // modules using this one

  private:
    std::string name_;
    std::string origin_;
    ModuleImage image_;
    AllocStats *stats_;
    std::unique_ptr<ImageFile> image_file_; // closed after the destructor dlclose()s
    void *dl_handle_ = nullptr;
    struct module *mod_ = nullptr;
    std::uintptr_t base_ = 0;
    bool keep_mapped_ = false;
    std::atomic<int> refs_{0};
    std::atomic<module_state> state_{MODULE_STATE_UNFORMED};
};

} // namespace lkmfs::kernel
