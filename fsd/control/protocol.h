// The control protocol between lkmctl and lkmfsd, over a Unix stream socket.
//
// Each request is one line of JSON: {"op": "...", ...}. An insmod request carries
// "size": N and is followed by exactly N raw bytes, the module image (lkmctl reads the
// file with the user's own permissions, as finit_module(2) takes an fd). Each reply is
// one line of JSON with "ok": true/false; failures carry "errno" (positive) and "message".
//
//   hello                          -> {ok, mountpoint, pid, version}
//   insmod {origin, params, size}  -> {ok, name}
//   rmmod {name, force, progress}  -> {ok}; with progress, first zero or more lines
//                                     {waiting: {module, forced, calls: [{entry, handler,
//                                     pid, comm, state}]}}: the calls into the module the
//                                     removal waits for (state "S", "D" or "R", as ps), each
//                                     time they change. Older daemons ignore "progress".
//   lsmod                          -> {ok, modules: [{name, size, refcount, holders, state,
//                                                     address, taints}]}
//   modinfo {name}                 -> {ok, info: [[key, value], ...], filename}
//   dmesg {follow}                 -> {ok, records: [{seq, ts_usec, level, facility, cont,
//                                                     text}]}; with follow, further lines
//                                     {record: {...}} until the client closes.
//   params {name}                  -> {ok, params: [{name, type, perm, value}]}: the
//                                     parameters of a live module with a non-zero perm
//                                     (decimal, e.g. 420 for 0644), sorted by name;
//                                     value is ops->get's text without its newline. For a
//                                     peer other than root and the daemon's owner, those
//                                     without S_IROTH carry "readable": false, no value.
//   set_param {name, param, value} -> {ok}: ops->set of a live module's parameter (root
//                                     and the daemon's owner only). ENOENT no such module
//                                     or parameter, EACCES no write bit in its perm, else
//                                     the setter's errno (the old value stays).
//   fault {name, kind, off, attr}  -> {ok, faults: [{kind, probability, interval, times,
//                                     space, verbose}]}: fault injection for the module
//                                     `name` (loaded or not; root and the daemon's owner
//                                     only). With kind ("failslab", "fail_usercopy") and
//                                     attr {probability, interval, times, space, verbose}
//                                     (each optional) sets that kind; with kind and off:
//                                     true clears it; without kind only lists.
#pragma once

#include <cstddef>
#include <string_view>

namespace lkmfs::control {

inline constexpr std::string_view kProtocolVersion = "1";
inline constexpr std::size_t kMaxRequestLine = 64 * 1024;
inline constexpr std::size_t kMaxModuleImage = 64 * 1024 * 1024;
// Replies carry whole log snapshots (the ring is bounded by log_buf_len), so a client
// accepts far longer lines than the server does.
inline constexpr std::size_t kMaxReplyLine = 256 * 1024 * 1024;

} // namespace lkmfs::control
