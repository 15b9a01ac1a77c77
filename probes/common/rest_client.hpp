// Patroni REST calls over libcurl: basic auth, TLS (CA, client cert, insecure), connect and total
// timeouts. No proxy is ever used: the probe talks to the cluster's own addresses only.
#pragma once

#include <string>

namespace drillhost::probes {

struct RestOptions {
    std::string username;  // restapi.authentication, for write calls
    std::string password;
    std::string cacert;  // TLS: CA bundle, client certificate and key
    std::string cert;
    std::string key;
    bool insecure = false;  // TLS without verifying the server
    // An Authorization header's value sent as is (etcd v3's auth token), instead of basic auth.
    std::string authorization;
    long connect_timeout_ms = 1000;
    long timeout_ms = 3000;
};

struct RestReply {
    long status = 0;  // 0: nothing answered (see error)
    std::string body;
    std::string error;       // curl's message when nothing answered
    bool connected = false;  // the request reached the member (it may have acted on it)
};

// A reply is read up to this size; a server that sends more is cut off with an error, not kept.
constexpr size_t max_reply_bytes = 16 * 1024 * 1024;

// method: GET, HEAD, POST, PATCH, PUT, DELETE. `body` is sent as JSON when not empty. Only http://
// and https:// URLs are followed (a target file naming file:// or another scheme gets an error).
RestReply rest_call(const std::string &method, const std::string &url, const std::string &body,
                    const RestOptions &options);

}  // namespace drillhost::probes
