#pragma once
// Fd: a file descriptor owned by a scope (closed on every return path), for the signal sources' raw
// sockets (UAPI unix socket, rtnetlink). release() hands it over, e.g. to an Asio descriptor.
#include <unistd.h>

#include <utility>

namespace wgfo {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

}  // namespace wgfo
