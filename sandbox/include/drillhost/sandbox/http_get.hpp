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

// `cacert`: the CA that signed an https server's certificate ("" for http, or the system's CAs).
HttpReply http_get(const std::string &url,
                   std::chrono::milliseconds timeout = std::chrono::milliseconds(2000),
                   const std::string &cacert = "");

}  // namespace drillhost::sandbox
