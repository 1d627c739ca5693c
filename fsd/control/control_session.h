// One lkmctl connection: reads request lines (and insmod images), checks who may do what,
// hands the work to a worker thread and writes the replies; for `dmesg follow`, streams
// records until the client hangs up or the server stops.
#pragma once

#include "control_types.h"
#include "request.h"
#include "server_context.h"

#include <boost/asio/local/stream_protocol.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace lkmfs::control {

class ControlSession : public std::enable_shared_from_this<ControlSession> {
  public:
    using Socket = boost::asio::local::stream_protocol::socket;

    ControlSession(ServerContext &context, Socket socket);

    // Both on the I/O thread. close() ends every pending operation; the session goes away
    // when the last handler or worker holding it is done.
    void start();
    void close();

  private:
    enum class Then { ReadNext, Close };

    void read_request();
    void on_request_line(std::size_t line_length);
    void receive_image(Request request);
    void discard_image(std::size_t remaining, Error refusal);
    void run_on_worker(Request request, std::vector<std::byte> image);
    void send(std::string line, Then then);
    void send(const nlohmann::json &reply, Then then);

    // dmesg follow, on a worker thread.
    void follow_log();
    bool write_from_worker(std::string data);
    bool follow_cancelled() const;
    void watch_for_hangup();

    ServerContext &context_;
    Socket socket_;
    PeerCred peer_;
    std::string input_; // received, not yet consumed: request lines, start of an image
    std::vector<std::byte> image_;
    std::array<char, 512> hangup_probe_{};
    std::atomic<bool> hung_up_{false};
};

} // namespace lkmfs::control
