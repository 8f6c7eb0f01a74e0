#include "core/backoff.hpp"

#include <unistd.h>

#include <algorithm>

namespace mtxrelay::core {

std::chrono::milliseconds Backoff::ceiling(int retry) const
{
    const int shift = std::clamp(retry, 0, 30);
    const auto grown = base.count() * (int64_t{1} << shift);
    return std::chrono::milliseconds(std::min<int64_t>(grown, cap.count()));
}

std::chrono::milliseconds Backoff::delay(int retry, std::mt19937_64& rng) const
{
    std::uniform_int_distribution<int64_t> pick(0, ceiling(retry).count());
    return std::chrono::milliseconds(pick(rng));
}

std::mt19937_64 make_rng()
{
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    return std::mt19937_64(static_cast<uint64_t>(now) ^ (static_cast<uint64_t>(::getpid()) << 32));
}

} // namespace mtxrelay::core
