#include "rest_client.hpp"

#include <curl/curl.h>

#include <memory>
#include <mutex>
#include <string>

namespace drillhost::probes {

static size_t append_body(char *data, size_t size, size_t count, void *body) {
    auto &text = *static_cast<std::string *>(body);
    if (text.size() + size * count > max_reply_bytes) return 0;  // curl stops with a write error
    text.append(data, size * count);
    return size * count;
}

RestReply rest_call(const std::string &method, const std::string &url, const std::string &body,
                    const RestOptions &options) {
    static std::once_flag initialised;
    std::call_once(initialised, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    RestReply reply;
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(
        curl_slist_append(nullptr, "Content-Type: application/json"), &curl_slist_free_all);
    char error[CURL_ERROR_SIZE] = {};
    CURL *c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, options.connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, options.timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &append_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    if (method == "HEAD")
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else if (method != "GET")
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (!body.empty()) curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
    if (!options.authorization.empty())
        headers.reset(
            curl_slist_append(headers.release(), ("Authorization: " + options.authorization).c_str()));
    if (!body.empty() || !options.authorization.empty())
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    if (!options.username.empty()) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, options.username.c_str());
        curl_easy_setopt(c, CURLOPT_PASSWORD, options.password.c_str());
    }
    if (!options.cacert.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options.cacert.c_str());
    if (!options.cert.empty()) curl_easy_setopt(c, CURLOPT_SSLCERT, options.cert.c_str());
    if (!options.key.empty()) curl_easy_setopt(c, CURLOPT_SSLKEY, options.key.c_str());
    if (options.insecure) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    CURLcode code = curl_easy_perform(c);
    double connect_time = 0;
    curl_easy_getinfo(c, CURLINFO_CONNECT_TIME, &connect_time);
    reply.connected = code == CURLE_OK || connect_time > 0;
    if (code != CURLE_OK) {
        reply.error = code == CURLE_WRITE_ERROR ? "the reply is larger than " +
                                                      std::to_string(max_reply_bytes >> 20) + " MiB; not read"
                                                : (error[0] ? error : curl_easy_strerror(code));
        reply.body.clear();
        return reply;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
    return reply;
}

}  // namespace drillhost::probes
