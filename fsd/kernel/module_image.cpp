#include "module_image.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>

namespace lkmfs::kernel {

namespace {

struct ElfCloser {
    void operator()(Elf *elf) const { elf_end(elf); }
};
using ElfPtr = std::unique_ptr<Elf, ElfCloser>;

bool libelf_ready() {
    static const bool ready = elf_version(EV_CURRENT) != EV_NONE;
    return ready;
}

Status bad_format(const std::string &why) {
    return Status::error(ENOEXEC, why);
}

// Walks the dynamic symbol table, calling fn(name, defined, weak) for each named symbol.
template <class Fn>
Status for_each_dynamic_symbol(Elf *elf, Fn fn) {
    Elf_Scn *scn = nullptr;
    while ((scn = elf_nextscn(elf, scn)) != nullptr) {
        GElf_Shdr shdr;
        if (gelf_getshdr(scn, &shdr) == nullptr || shdr.sh_type != SHT_DYNSYM)
            continue;
        Elf_Data *data = elf_getdata(scn, nullptr);
        if (data == nullptr || shdr.sh_entsize == 0)
            return bad_format("unreadable dynamic symbol table");
        std::size_t count = shdr.sh_size / shdr.sh_entsize;
        for (std::size_t i = 1; i < count; ++i) {
            GElf_Sym sym;
            if (gelf_getsym(data, static_cast<int>(i), &sym) == nullptr)
                return bad_format("unreadable dynamic symbol");
            const char *name = elf_strptr(elf, shdr.sh_link, sym.st_name);
            if (name == nullptr || *name == '\0')
                continue;
            int type = GELF_ST_TYPE(sym.st_info);
            if (type == STT_SECTION || type == STT_FILE)
                continue;
            bool weak = GELF_ST_BIND(sym.st_info) == STB_WEAK;
            fn(std::string(name), sym.st_shndx != SHN_UNDEF, weak);
        }
    }
    return Status::ok();
}

} // namespace

std::string ModuleImage::info(std::string_view key) const {
    for (const auto &[k, v] : modinfo)
        if (k == key)
            return v;
    return {};
}

namespace {

// The checks of Linux's elf_validity_check() that come before anything reads the sections,
// with its messages: a short, foreign or truncated file is refused here, not by libelf.
Status check_elf_layout(std::span<const std::byte> bytes) {
    Elf64_Ehdr ehdr;
    if (bytes.size() < sizeof ehdr)
        return bad_format("Invalid ELF header len " + std::to_string(bytes.size()));
    std::memcpy(&ehdr, bytes.data(), sizeof ehdr);
    if (std::memcmp(ehdr.e_ident, ELFMAG, SELFMAG) != 0)
        return bad_format("Invalid ELF header magic: != \\177ELF");
    if (ehdr.e_ident[EI_CLASS] != ELFCLASS64 || ehdr.e_machine != EM_X86_64)
        return bad_format("Invalid architecture in ELF header: " + std::to_string(ehdr.e_machine) +
                          " (class " + std::to_string(ehdr.e_ident[EI_CLASS]) +
                          "); this is x86-64");
    if (ehdr.e_shentsize != sizeof(Elf64_Shdr))
        return bad_format("Invalid ELF section header size");
    std::uint64_t headers_end =
        std::uint64_t{ehdr.e_shoff} + std::uint64_t{ehdr.e_shnum} * sizeof(Elf64_Shdr);
    if (ehdr.e_shoff > bytes.size() || headers_end > bytes.size())
        return bad_format("Invalid ELF section header overflow");
    for (unsigned i = 0; i < ehdr.e_shnum; ++i) {
        Elf64_Shdr shdr;
        std::memcpy(&shdr, bytes.data() + ehdr.e_shoff + i * sizeof shdr, sizeof shdr);
        if (shdr.sh_type != SHT_NOBITS &&
            (shdr.sh_offset > bytes.size() || shdr.sh_size > bytes.size() - shdr.sh_offset))
            return bad_format("Module len " + std::to_string(bytes.size()) + " truncated");
    }
    return Status::ok();
}

} // namespace

Status parse_module_image(std::span<const std::byte> bytes, ModuleImage *out) {
    if (!libelf_ready())
        return Status::error(ENOEXEC, "libelf unavailable");
    *out = {};
    if (Status s = check_elf_layout(bytes); !s)
        return s;
    // libelf takes a non-const pointer but only reads an ELF_C_READ_MMAP-style memory image.
    ElfPtr elf(
        elf_memory(const_cast<char *>(reinterpret_cast<const char *>(bytes.data())), bytes.size()));
    if (!elf || elf_kind(elf.get()) != ELF_K_ELF)
        return bad_format("not an ELF file");
    GElf_Ehdr ehdr;
    if (gelf_getehdr(elf.get(), &ehdr) == nullptr)
        return bad_format("unreadable ELF header");
    if (ehdr.e_ident[EI_CLASS] != ELFCLASS64 || ehdr.e_machine != EM_X86_64)
        return bad_format("not an x86-64 ELF object");
    if (ehdr.e_type != ET_DYN)
        return bad_format("not a shared object (was it built with an lkmfs KDIR?)");

    std::size_t phnum = 0;
    if (elf_getphdrnum(elf.get(), &phnum) == 0) {
        for (std::size_t i = 0; i < phnum; ++i) {
            GElf_Phdr phdr;
            if (gelf_getphdr(elf.get(), static_cast<int>(i), &phdr) != nullptr &&
                phdr.p_type == PT_LOAD)
                out->load_size += (phdr.p_memsz + 4095) / 4096 * 4096;
        }
    }

    std::size_t shstrndx = 0;
    if (elf_getshdrstrndx(elf.get(), &shstrndx) != 0)
        return bad_format("no section name table");
    bool have_modinfo = false;
    Elf_Scn *scn = nullptr;
    while ((scn = elf_nextscn(elf.get(), scn)) != nullptr) {
        GElf_Shdr shdr;
        if (gelf_getshdr(scn, &shdr) == nullptr)
            continue;
        const char *name = elf_strptr(elf.get(), shstrndx, shdr.sh_name);
        if (name == nullptr || std::strcmp(name, ".modinfo") != 0)
            continue;
        have_modinfo = true;
        Elf_Data *data = elf_getdata(scn, nullptr);
        if (data == nullptr || data->d_buf == nullptr)
            break;
        const char *p = static_cast<const char *>(data->d_buf);
        const char *end = p + data->d_size;
        while (p < end) {
            const char *nul = static_cast<const char *>(std::memchr(p, '\0', end - p));
            std::string_view entry(p, nul ? nul - p : end - p);
            p += entry.size() + 1;
            if (entry.empty())
                continue; // alignment padding between strings
            auto eq = entry.find('=');
            if (eq == std::string_view::npos)
                continue;
            out->modinfo.emplace_back(std::string(entry.substr(0, eq)),
                                      std::string(entry.substr(eq + 1)));
        }
    }
    if (!have_modinfo)
        return bad_format("no .modinfo section (was it built with an lkmfs KDIR?)");

    return for_each_dynamic_symbol(elf.get(), [&](std::string name, bool defined, bool weak) {
        if (defined)
            out->defined_symbols.push_back(std::move(name));
        else if (!weak)
            out->needed_symbols.push_back(std::move(name));
    });
}

Status read_defined_dynamic_symbols(const std::string &path, std::vector<std::string> *out) {
    if (!libelf_ready())
        return Status::error(ENOEXEC, "libelf unavailable");
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return Status::error(errno, path + ": " + std::strerror(errno));
    ElfPtr elf(elf_begin(fd, ELF_C_READ, nullptr));
    Status st = elf ? for_each_dynamic_symbol(elf.get(),
                                              [&](std::string name, bool defined, bool) {
                                                  if (defined)
                                                      out->push_back(std::move(name));
                                              })
                    : bad_format(path + ": not an ELF file");
    elf.reset();
    ::close(fd);
    return st;
}

} // namespace lkmfs::kernel
