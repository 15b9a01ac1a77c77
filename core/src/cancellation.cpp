#include <drillhost/core/cancellation.hpp>

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
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, duration, [this] { return cancelled_; });
}

}  // namespace drillhost
