#pragma once
// The project's one include of Boost.Asio. Boost 1.74's awaitable.hpp uses std::exchange without
// including <utility>, which breaks under -std=c++20, so <utility> must come first; every file that
// needs Asio includes this header instead of Boost's.
#include <utility>

#include <boost/asio.hpp>

namespace wgfo {
namespace asio = boost::asio;
}  // namespace wgfo
