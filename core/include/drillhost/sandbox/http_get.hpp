// A small libcurl GET for the sandbox's own readiness checks and status view.
#pragma once

#include <chrono>
#include <string>

namespace drillhost::sandbox {

struct HttpReply {
    long status = 0;  // 0 when nothing answered
    std::string body;
    std::string error;  // curl's message when nothing answered
};

HttpReply http_get(const std::string &url,
                   std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

}  // namespace drillhost::sandbox
