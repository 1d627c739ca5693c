#!/usr/bin/env python3
"""Writes a minimal x86-64 ELF shared object that parse_module_image() accepts: a .modinfo,
a .dynsym with one needed and one defined symbol, and no code. A seed for the module_image
fuzz target that is a few hundred bytes instead of a real module's 14 KiB of page padding.

usage: tiny_ko.py OUTPUT"""
import struct
import sys


def main(out):
    modinfo = b"license=GPL\0name=tiny\0vermagic=6.1.0-lkmfs SMP mod_unload lkmfs-abi-1\0"
    dynstr = b"\0_printk\0__this_module\0"
    # Elf64_Sym: name, info, other, shndx, value, size
    dynsym = struct.pack("<IBBHQQ", 0, 0, 0, 0, 0, 0)
    dynsym += struct.pack("<IBBHQQ", 1, 0x10, 0, 0, 0, 0)  # GLOBAL NOTYPE UND _printk
    dynsym += struct.pack("<IBBHQQ", 9, 0x11, 0, 1, 0, 8)  # GLOBAL OBJECT __this_module
    shstrtab = b"\0.modinfo\0.dynsym\0.dynstr\0.shstrtab\0"
    blobs = [modinfo, dynsym, dynstr, shstrtab]
    offset = 64
    offsets = []
    body = b""
    for blob in blobs:
        offsets.append(offset + len(body))
        body += blob
        body += b"\0" * (-len(body) % 8)
    shoff = 64 + len(body)
    # Elf64_Shdr: name, type, flags, addr, offset, size, link, info, addralign, entsize
    sh = struct.pack("<IIQQQQIIQQ", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    sh += struct.pack("<IIQQQQIIQQ", 1, 1, 2, 0, offsets[0], len(modinfo), 0, 0, 1, 0)
    sh += struct.pack("<IIQQQQIIQQ", 10, 11, 2, 0, offsets[1], len(dynsym), 3, 1, 8, 24)
    sh += struct.pack("<IIQQQQIIQQ", 18, 3, 2, 0, offsets[2], len(dynstr), 0, 0, 1, 0)
    sh += struct.pack("<IIQQQQIIQQ", 26, 3, 0, 0, offsets[3], len(shstrtab), 0, 0, 1, 0)
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\0" * 8
    # type ET_DYN, machine EM_X86_64, version, entry, phoff, shoff, flags, ehsize,
    # phentsize, phnum, shentsize, shnum, shstrndx
    ehdr = ident + struct.pack("<HHIQQQIHHHHHH", 3, 62, 1, 0, 0, shoff, 0, 64, 56, 0, 64, 5, 4)
    with open(out, "wb") as f:
        f.write(ehdr + body + sh)


if __name__ == "__main__":
    main(sys.argv[1])
