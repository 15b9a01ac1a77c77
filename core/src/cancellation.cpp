#include <drillhost/core/cancellation.hpp>

#include <algorithm>

namespace drillhost {

void Cancellation::cancel(const std::string &reason) {
    {
        std::lock_guard lock(mutex_);
        if (cancelled_) return;
        cancelled_ = true;
        reason_ = reason;
    }
    wake_.notify_all();
}

bool Cancellation::cancelled() const {
    std::lock_guard lock(mutex_);
    return cancelled_;
}

std::string Cancellation::reason() const {
    std::lock_guard lock(mutex_);
    return reason_;
}

bool Cancellation::sleep_for(std::chrono::milliseconds duration) const {
    // wait_for adds the duration to now() in nanoseconds, which overflows (and returns at once)
    // for anything beyond ~292 years: wait a day at a time against a deadline that cannot overflow.
    constexpr auto piece = std::chrono::hours(24);
    using Clock = std::chrono::steady_clock;
    std::unique_lock lock(mutex_);
    auto left = std::max(duration, std::chrono::milliseconds(0));
    while (left.count() > 0) {
        auto step = std::min<std::chrono::milliseconds>(left, piece);
        auto until = Clock::now() + step;
        if (wake_.wait_until(lock, until, [this] { return cancelled_; })) return false;
        left -= step;
    }
    return !cancelled_;
}

}  // namespace drillhost
