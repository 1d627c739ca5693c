// The control server's view of the simulated kernel.
#pragma once

#include "control/control_backend.h"

namespace lkmfs::kernel {
class Kernel;
}

namespace lkmfs::daemon {

class KernelBackend final : public control::ControlBackend {
  public:
    explicit KernelBackend(kernel::Kernel &kernel) : kernel_(kernel) {}

    control::Error insmod(std::span<const std::byte> image, const std::string &origin,
                          const std::string &params, const control::PeerCred &peer,
                          std::string *name) override;
    control::Error rmmod(const std::string &name, bool force, const control::PeerCred &peer,
                         const control::RmmodProgress &progress) override;
    std::vector<control::ModuleRow> lsmod() override;
    control::Error modinfo(const std::string &name, control::ModuleInfo *out) override;
    std::vector<control::LogRow> log_snapshot() override;
    std::vector<control::LogRow> log_wait(std::uint64_t next_seq,
                                          const std::function<bool()> &cancelled) override;
    void log_kick() override;
    control::Error params(const std::string &name, const control::PeerCred &peer, bool read_all,
                          std::vector<control::ParamRow> *out) override;
    control::Error set_param(const std::string &name, const std::string &param,
                             const std::string &value, const control::PeerCred &peer) override;
    control::Error fault(const std::string &name, const std::string &kind, bool off,
                         const control::FaultRow *attr,
                         std::vector<control::FaultRow> *out) override;

  private:
    kernel::Kernel &kernel_;
};

} // namespace lkmfs::daemon
