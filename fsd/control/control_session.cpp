#include "control_session.h"

#include "access_policy.h"
#include "peer_credentials.h"
#include "protocol.h"
#include "request_handler.h"
#include "wire_format.h"

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <future>
#include <utility>

namespace lkmfs::control {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// An unauthorised insmod's image is read and dropped in pieces of this size, so that the
// client gets its reply and the connection stays in step without buffering the image.
constexpr std::size_t kDiscardChunk = 64 * 1024;

} // namespace

ControlSession::ControlSession(ServerContext &context, Socket socket)
    : context_(context), socket_(std::move(socket)) {}

void ControlSession::start() {
    peer_ = peer_credentials(socket_.native_handle());
    read_request();
}

void ControlSession::close() {
    error_code ignored;
    socket_.shutdown(Socket::shutdown_both, ignored);
    socket_.close(ignored);
}

void ControlSession::read_request() {
    // One byte more than the longest line: the newline itself.
    asio::async_read_until(
        socket_, asio::dynamic_buffer(input_, kMaxRequestLine + 1), '\n',
        [self = shared_from_this()](error_code ec, std::size_t length) {
            if (ec == asio::error::not_found) {
                self->send(error_reply({EMSGSIZE, "request line longer than " +
                                                      std::to_string(kMaxRequestLine) + " bytes"}),
                           Then::Close);
            } else if (ec) {
                self->close(); // the client went away
            } else {
                self->on_request_line(length);
            }
        });
}

void ControlSession::on_request_line(std::size_t line_length) {
    std::string line = input_.substr(0, line_length - 1);
    input_.erase(0, line_length);

    Request request;
    if (Error e = parse_request(line, &request)) {
        send(error_reply(e), Then::ReadNext);
        return;
    }
    if (request.op == Op::Insmod && request.size > kMaxModuleImage) {
        // The image follows the line; without reading all of it the stream is out of step.
        send(error_reply({EFBIG, "module image of " + std::to_string(request.size) +
                                     " bytes exceeds the limit of " +
                                     std::to_string(kMaxModuleImage) + " bytes"}),
             Then::Close);
        return;
    }
    if (Error e = authorize(request.op, peer_, context_.options)) {
        if (request.op == Op::Insmod)
            discard_image(request.size, std::move(e));
        else
            send(error_reply(e), Then::ReadNext);
        return;
    }
    if (request.op == Op::Insmod)
        receive_image(std::move(request));
    else
        run_on_worker(std::move(request), {});
}

void ControlSession::receive_image(Request request) {
    std::size_t buffered = std::min(request.size, input_.size());
    image_.resize(request.size);
    if (buffered > 0) // an empty vector's data() may be null, which memcpy must not see
        std::memcpy(image_.data(), input_.data(), buffered);
    input_.erase(0, buffered);
    asio::async_read(socket_, asio::buffer(image_.data() + buffered, request.size - buffered),
                     [self = shared_from_this(),
                      request = std::move(request)](error_code ec, std::size_t) mutable {
                         if (ec) {
                             self->close(); // hung up in the middle of the image
                             return;
                         }
                         self->run_on_worker(std::move(request), std::move(self->image_));
                         self->image_ = {};
                     });
}

void ControlSession::discard_image(std::size_t remaining, Error refusal) {
    std::size_t buffered = std::min(remaining, input_.size());
    input_.erase(0, buffered);
    remaining -= buffered;
    if (remaining == 0) {
        send(error_reply(refusal), Then::ReadNext);
        return;
    }
    image_.resize(kDiscardChunk);
    std::size_t chunk = std::min(remaining, kDiscardChunk);
    asio::async_read(socket_, asio::buffer(image_.data(), chunk),
                     [self = shared_from_this(), remaining, chunk,
                      refusal = std::move(refusal)](error_code ec, std::size_t) mutable {
                         if (ec) {
                             self->close();
                             return;
                         }
                         self->discard_image(remaining - chunk, std::move(refusal));
                     });
}

void ControlSession::run_on_worker(Request request, std::vector<std::byte> image) {
    bool follow = request.op == Op::Dmesg && request.follow;
    auto work = [self = shared_from_this(), request = std::move(request), image = std::move(image),
                 follow] {
        if (follow) {
            self->follow_log();
            return;
        }
        // Messages before the reply (what an rmmod waits for) are written at once; a client
        // that went away makes them fail, and the request goes on regardless.
        auto notify = [&self](const nlohmann::json &message) {
            self->write_from_worker(encode_line(message));
        };
        std::string line = encode_line(execute_request(
            self->context_.backend, self->context_.options, request, image, self->peer_, notify));
        asio::post(self->context_.io, [self, line = std::move(line)]() mutable {
            self->send(std::move(line), Then::ReadNext);
        });
    };
    if (!context_.workers.spawn(std::move(work)))
        send(error_reply({EAGAIN, "too many requests in progress; try again later"}),
             Then::ReadNext);
}

void ControlSession::send(const nlohmann::json &reply, Then then) {
    send(encode_line(reply), then);
}

void ControlSession::send(std::string line, Then then) {
    auto data = std::make_shared<std::string>(std::move(line));
    asio::async_write(socket_, asio::buffer(*data),
                      [self = shared_from_this(), data, then](error_code ec, std::size_t) {
                          if (ec || then == Then::Close)
                              self->close();
                          else
                              self->read_request();
                      });
}

bool ControlSession::follow_cancelled() const {
    return hung_up_.load() || context_.stopping.load();
}

void ControlSession::follow_log() {
    auto self = shared_from_this();
    auto cancelled = [this] { return follow_cancelled(); };
    try {
        std::vector<LogRow> records = context_.backend.log_snapshot();
        std::uint64_t next_seq = records.empty() ? 0 : records.back().seq + 1;
        if (write_from_worker(encode_line(log_records_reply(records)))) {
            asio::post(context_.io, [self] { self->watch_for_hangup(); });
            while (!cancelled()) {
                records = context_.backend.log_wait(next_seq, cancelled);
                if (records.empty())
                    continue;
                next_seq = records.back().seq + 1;
                std::string lines;
                for (const LogRow &record : records)
                    lines += encode_line(nlohmann::json{{"record", record}});
                if (!write_from_worker(std::move(lines)))
                    break;
            }
        }
    } catch (const std::exception &e) {
        write_from_worker(
            encode_line(error_reply({EIO, std::string("dmesg failed: ") + e.what()})));
    }
    asio::post(context_.io, [self] { self->close(); });
}

// Writes from a worker thread by handing the write to the I/O thread (sockets are not
// thread-safe) and waiting for it, so a slow reader slows the follower instead of
// growing a queue. False if the write failed or the server dropped it while stopping.
bool ControlSession::write_from_worker(std::string data) {
    auto done = std::make_shared<std::promise<bool>>();
    std::future<bool> written = done->get_future();
    auto buffer = std::make_shared<std::string>(std::move(data));
    asio::post(context_.io, [self = shared_from_this(), buffer, done] {
        asio::async_write(self->socket_, asio::buffer(*buffer),
                          [buffer, done](error_code ec, std::size_t) { done->set_value(!ec); });
    });
    try {
        return written.get();
    } catch (const std::future_error &) {
        return false; // the handler was destroyed unrun: the I/O loop is gone
    }
}

// While following, the client sends nothing more; a completed read means it closed the
// connection (or sent junk, which is ignored). Either way the follower must learn of a
// hang-up even while it sleeps in log_wait, hence the kick.
void ControlSession::watch_for_hangup() {
    socket_.async_read_some(asio::buffer(hangup_probe_),
                            [self = shared_from_this()](error_code ec, std::size_t) {
                                if (!ec) {
                                    self->watch_for_hangup();
                                    return;
                                }
                                self->hung_up_ = true;
                                self->context_.backend.log_kick();
                            });
}

} // namespace lkmfs::control
