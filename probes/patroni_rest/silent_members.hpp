// Which members' REST APIs did not answer lately, so the probe asks them last. A frozen Patroni
// accepts the connection and never replies, and a cut-off one swallows the SYN: each costs a
// whole timeout per call, and drills poll several times a second, often across many calls.
#pragma once

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace drillhost::probes {

class SilentMembers {
  public:
    using Clock = std::chrono::steady_clock;

    // Long enough to span a drill's polling, short enough that a member back from a fault is
    // preferred again in its own order soon after (it is also cleared the moment it answers).
    static constexpr std::chrono::seconds remembered{30};

    void silent(const std::string &url, Clock::time_point now = Clock::now()) {
        std::lock_guard lock(mutex_);
        since_[url] = now;
    }

    void answered(const std::string &url) {
        std::lock_guard lock(mutex_);
        since_.erase(url);
    }

    // `members` in their own order, but those silent within `remembered` last (still asked: a
    // read tries every member before it fails).
    template <class Member>
    void ask_answering_first(std::vector<Member> &members, Clock::time_point now = Clock::now()) const {
        std::lock_guard lock(mutex_);
        std::stable_partition(members.begin(), members.end(), [&](const Member &m) {
            auto it = since_.find(m.url);
            return it == since_.end() || now - it->second > remembered;
        });
    }

  private:
    mutable std::mutex mutex_;
    std::map<std::string, Clock::time_point> since_;
};

}  // namespace drillhost::probes
