#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "silent_members.hpp"

using drillhost::probes::SilentMembers;

namespace {

struct Member {
    std::string url;
};

std::vector<std::string> order(const SilentMembers &silent, SilentMembers::Clock::time_point now) {
    std::vector<Member> members{{"pg-1"}, {"pg-2"}, {"pg-3"}};
    silent.ask_answering_first(members, now);
    std::vector<std::string> urls;
    for (const auto &m : members) urls.push_back(m.url);
    return urls;
}

}  // namespace

TEST_CASE("silent members: asked last while remembered, in their own order again once they answer") {
    SilentMembers silent;
    auto t0 = SilentMembers::Clock::now();
    CHECK(order(silent, t0) == std::vector<std::string>{"pg-1", "pg-2", "pg-3"});

    silent.silent("pg-1", t0);
    CHECK(order(silent, t0 + std::chrono::seconds(1)) == std::vector<std::string>{"pg-2", "pg-3", "pg-1"});
    silent.silent("pg-2", t0);
    CHECK(order(silent, t0 + std::chrono::seconds(1)) == std::vector<std::string>{"pg-3", "pg-1", "pg-2"});

    silent.answered("pg-1");
    CHECK(order(silent, t0 + std::chrono::seconds(1)) == std::vector<std::string>{"pg-1", "pg-3", "pg-2"});
    // Forgotten after a while: a member back from a fault that nobody asked is preferred again.
    CHECK(order(silent, t0 + SilentMembers::remembered + std::chrono::seconds(1)) ==
          std::vector<std::string>{"pg-1", "pg-2", "pg-3"});
}
