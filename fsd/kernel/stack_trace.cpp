// Symbolization from the ELF symbol tables of the mapped objects. dladdr alone would not
// do: modules are built with hidden visibility, so their own functions (the ones a report
// must name) are only in .symtab, never in the dynamic symbol table.
#include "stack_trace.h"

#include <cxxabi.h>
#include <execinfo.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <link.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>
#include <tuple>

namespace lkmfs::kernel {

namespace {

struct Symbol {
    std::uintptr_t start; // link-time address
    std::uintptr_t size;
    std::string name;
};

// The functions of one ELF file and, for a module, its name (.modinfo "name=").
struct SymbolTable {
    std::vector<Symbol> functions; // sorted by start
    std::string module_name;
};

void read_modinfo_name(Elf_Scn *scn, SymbolTable *table) {
    Elf_Data *data = elf_getdata(scn, nullptr);
    if (data == nullptr || data->d_buf == nullptr)
        return;
    std::string_view all(static_cast<const char *>(data->d_buf), data->d_size);
    for (std::size_t pos = 0; pos < all.size();) {
        std::size_t end = all.find('\0', pos);
        if (end == std::string_view::npos)
            end = all.size();
        std::string_view item = all.substr(pos, end - pos);
        if (item.substr(0, 5) == "name=")
            table->module_name = std::string(item.substr(5));
        pos = end + 1;
    }
}

void read_functions(Elf *elf, Elf_Scn *scn, const GElf_Shdr &shdr, SymbolTable *table) {
    Elf_Data *data = elf_getdata(scn, nullptr);
    if (data == nullptr || shdr.sh_entsize == 0)
        return;
    std::size_t count = shdr.sh_size / shdr.sh_entsize;
    for (std::size_t i = 0; i < count; ++i) {
        GElf_Sym sym;
        if (gelf_getsym(data, static_cast<int>(i), &sym) == nullptr)
            continue;
        if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_value == 0)
            continue;
        const char *name = elf_strptr(elf, shdr.sh_link, sym.st_name);
        if (name == nullptr || *name == '\0')
            continue;
        table->functions.push_back({static_cast<std::uintptr_t>(sym.st_value),
                                    static_cast<std::uintptr_t>(sym.st_size), name});
    }
}

std::shared_ptr<SymbolTable> load_table(const std::string &path) {
    auto table = std::make_shared<SymbolTable>();
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return table;
    elf_version(EV_CURRENT);
    Elf *elf = elf_begin(fd, ELF_C_READ, nullptr);
    if (elf != nullptr) {
        std::size_t shstrndx = 0;
        elf_getshdrstrndx(elf, &shstrndx);
        bool have_symtab = false;
        Elf_Scn *dynsym = nullptr;
        GElf_Shdr dynsym_shdr{};
        for (Elf_Scn *scn = elf_nextscn(elf, nullptr); scn != nullptr;
             scn = elf_nextscn(elf, scn)) {
            GElf_Shdr shdr;
            if (gelf_getshdr(scn, &shdr) == nullptr)
                continue;
            const char *name = elf_strptr(elf, shstrndx, shdr.sh_name);
            if (shdr.sh_type == SHT_SYMTAB) {
                read_functions(elf, scn, shdr, table.get());
                have_symtab = true;
            } else if (shdr.sh_type == SHT_DYNSYM) {
                dynsym = scn;
                dynsym_shdr = shdr;
            } else if (name != nullptr && std::strcmp(name, ".modinfo") == 0) {
                read_modinfo_name(scn, table.get());
            }
        }
        if (!have_symtab && dynsym != nullptr) // stripped: the exported names at least
            read_functions(elf, dynsym, dynsym_shdr, table.get());
        elf_end(elf);
    }
    ::close(fd);
    // Among names of one address the lookup takes the last: module_init()/module_exit()
    // make init_module/cleanup_module aliases of the module's own functions, whose names
    // (kcrash_init) are what Linux prints.
    auto rank = [](const Symbol &s) {
        return s.name == "init_module" || s.name == "cleanup_module" ? 0 : 1;
    };
    std::sort(table->functions.begin(), table->functions.end(),
              [&](const Symbol &a, const Symbol &b) {
                  return a.start != b.start ? a.start < b.start : rank(a) < rank(b);
              });
    return table;
}

// Tables by file identity: a module's image is a private copy behind /proc/self/fd/N, and
// N may name another module's copy later; (device, inode, load bias) cannot be reused
// while the object is mapped.
std::shared_ptr<SymbolTable> table_for(const std::string &path, std::uintptr_t bias) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return nullptr;
    using Key = std::tuple<dev_t, ino_t, std::uintptr_t>;
    static std::mutex mutex;
    static std::map<Key, std::shared_ptr<SymbolTable>> cache;
    Key key{st.st_dev, st.st_ino, bias};
    std::lock_guard lock(mutex);
    auto it = cache.find(key);
    if (it != cache.end())
        return it->second;
    if (cache.size() > 256) // unloaded modules' tables: drop them all now and then
        cache.clear();
    auto table = load_table(path);
    cache.emplace(key, table);
    return table;
}

// The mapped object holding an address: its file and load bias.
struct ObjectAt {
    std::uintptr_t address;
    bool found = false;
    std::string path;
    std::uintptr_t bias = 0;
};

int find_object(struct dl_phdr_info *info, size_t, void *arg) {
    auto *want = static_cast<ObjectAt *>(arg);
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr) &ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_LOAD)
            continue;
        std::uintptr_t start = info->dlpi_addr + ph.p_vaddr;
        if (want->address >= start && want->address < start + ph.p_memsz) {
            want->found = true;
            want->bias = info->dlpi_addr;
            // The main program has no name here.
            want->path = info->dlpi_name != nullptr && info->dlpi_name[0] != '\0'
                             ? info->dlpi_name
                             : "/proc/self/exe";
            return 1;
        }
    }
    return 0;
}

ObjectAt object_at(std::uintptr_t address) {
    ObjectAt object;
    object.address = address;
    dl_iterate_phdr(find_object, &object);
    return object;
}

std::string readable_name(const std::string &raw) {
    int status = 0;
    char *demangled = abi::__cxa_demangle(raw.c_str(), nullptr, nullptr, &status);
    if (status != 0 || demangled == nullptr)
        return raw;
    std::string name(demangled);
    std::free(demangled);
    // Drop the parameter list: the first '(' that does not open "(anonymous namespace)".
    for (std::size_t pos = name.find('('); pos != std::string::npos;
         pos = name.find('(', pos + 1)) {
        if (name.compare(pos, 21, "(anonymous namespace)") != 0) {
            name.resize(pos);
            break;
        }
    }
    return name;
}

std::string hex(std::uintptr_t value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(value));
    return buf;
}

} // namespace

std::vector<std::uintptr_t> capture_stack(int max) {
    std::vector<void *> frames(static_cast<std::size_t>(max));
    auto n = static_cast<std::size_t>(std::max(0, ::backtrace(frames.data(), max)));
    std::vector<std::uintptr_t> out;
    for (std::size_t i = sanitizer_frames_on_top(frames.data(), n); i < n; ++i)
        out.push_back(reinterpret_cast<std::uintptr_t>(frames[i]));
    return out;
}

namespace {

// The function containing `lookup` (an offset in the object), or null.
const Symbol *function_at(const SymbolTable &table, std::uintptr_t lookup) {
    auto it = std::upper_bound(table.functions.begin(), table.functions.end(), lookup,
                               [](std::uintptr_t a, const Symbol &s) { return a < s.start; });
    if (it == table.functions.begin())
        return nullptr;
    const Symbol &sym = *std::prev(it);
    if (sym.size != 0 && lookup >= sym.start + sym.size)
        return nullptr;
    return &sym;
}

} // namespace

namespace {

// "func+0x12/0x40 [module]" for the function containing `lookup`; offsets from `address`.
std::string describe(std::uintptr_t address, bool is_return_address) {
    ObjectAt object = object_at(address);
    if (!object.found)
        return hex(address);
    auto table = table_for(object.path, object.bias);
    if (table == nullptr)
        return hex(address);
    std::uintptr_t rel = address - object.bias;
    const Symbol *sym = function_at(*table, is_return_address ? rel - 1 : rel);
    if (sym == nullptr)
        return hex(address);
    std::string out = readable_name(sym->name) + "+" + hex(rel - sym->start) + "/" + hex(sym->size);
    if (!table->module_name.empty())
        out += " [" + table->module_name + "]";
    return out;
}

} // namespace

std::string symbolize(std::uintptr_t address) {
    // Addresses from backtrace() are return addresses: the call is the byte before. A call
    // to a noreturn function (BUG) can be a function's last instruction, so its return
    // address is already the next function; look up rel - 1, as the kernel's %pB does.
    return describe(address, true);
}

std::string symbolize_instruction(std::uintptr_t address) {
    return describe(address, false);
}

std::string function_name(std::uintptr_t address) {
    ObjectAt object = object_at(address);
    if (!object.found)
        return hex(address);
    auto table = table_for(object.path, object.bias);
    if (table == nullptr)
        return hex(address);
    std::uintptr_t rel = address - object.bias;
    const Symbol *sym = function_at(*table, rel);
    if (sym == nullptr)
        return hex(address);
    std::string out = readable_name(sym->name);
    if (rel != sym->start)
        out += "+" + hex(rel - sym->start);
    if (!table->module_name.empty())
        out += " [" + table->module_name + "]";
    return out;
}

bool in_c_library(std::uintptr_t address) {
    ObjectAt object = object_at(address);
    return object.found && object.path.find("/libc.so") != std::string::npos;
}

namespace {

bool in_object_named(std::uintptr_t address, std::initializer_list<const char *> names) {
    ObjectAt object = object_at(address);
    if (!object.found)
        return false;
    for (const char *name : names)
        if (object.path.find(name) != std::string::npos)
            return true;
    return false;
}

} // namespace

bool in_runtime_library(std::uintptr_t address) {
    return in_object_named(address, {"/libc.so", "/libstdc++.so", "/libgcc_s.so", "/libasan.so",
                                     "/libubsan.so", "/libtsan.so"});
}

bool in_sanitizer_runtime(std::uintptr_t address) {
    return in_object_named(address, {"/libasan.so", "/libubsan.so", "/libtsan.so"});
}

std::size_t sanitizer_frames_on_top(const void *const *frames, std::size_t count) {
    std::size_t top = 0;
    while (top < count && in_sanitizer_runtime(reinterpret_cast<std::uintptr_t>(frames[top])))
        ++top;
    return top;
}

} // namespace lkmfs::kernel
