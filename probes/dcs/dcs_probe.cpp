// The dcs probe: reads Patroni's keys in etcd (who holds the leader key, the WAL position the leader
// last published) once, or samples them in the background and reports each change on the drill's
// clock: the leader key's holders over time and every published position. Drills hold a failover's
// loss against the published position, and show who took the key when (network-partition).
// Talks to the target's etcd endpoints over HTTP (target "dcs_endpoints", or the embedded cluster's
// members that run etcd), trying the next one when one does not answer.
#include <drillhost/sdk.hpp>

#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "dcs_view.hpp"
#include "lsn.hpp"
#include "rest_client.hpp"

namespace dh = drillhost::sdk;
using namespace drillhost::probes;

namespace {

struct DcsTarget {
    std::string kind;    // "etcd3" or "etcd"
    std::string prefix;  // "/service/drillhost/"
    std::vector<std::string> endpoints;
    std::string cacert, cert, key;   // dcs_tls: etcd over https with its own CA or client certificates
    std::string username, password;  // dcs_auth: etcd's own users (Patroni's etcd3.username/password)
};

// The target's DCS, checked: a bad value is an error naming its key, never a request built from it.
DcsTarget dcs_target(const dh::json &target) {
    auto text = [&](const char *key, const std::string &fallback) {
        if (!target.contains(key)) return fallback;
        if (!target[key].is_string())
            throw dh::Error(DH_ERR_INVALID_ARGUMENT,
                            std::string("the target's ") + key + " must be a string");
        return target[key].get<std::string>();
    };
    DcsTarget t;
    t.kind = text("dcs", "etcd3");
    if (t.kind != "etcd3" && t.kind != "etcd")
        throw dh::Error(DH_ERR_INVALID_ARGUMENT,
                        "the dcs probe reads etcd (dcs: etcd3 or etcd), not dcs: " + t.kind);
    std::string scope = text("scope", ""), space = text("namespace", "/service");
    // Both become a path in a URL (the v2 keys API): nothing that would end or escape it.
    for (const auto &[key, value] : {std::pair{"scope", scope}, std::pair{"namespace", space}})
        for (unsigned char c : value)
            if (c <= ' ' || c >= 0x7f ||
                std::string("?#%\\").find(static_cast<char>(c)) != std::string::npos ||
                (std::string(key) == "scope" && c == '/'))
                throw dh::Error(DH_ERR_INVALID_ARGUMENT,
                                std::string("the target's ") + key +
                                    " holds a character a DCS key path cannot carry here");
    if (scope.empty())
        throw dh::Error(DH_ERR_INVALID_ARGUMENT, "the target names no scope (Patroni's cluster name)");
    t.prefix = scope_prefix(space, scope);
    if (target.contains("dcs_endpoints")) {
        const auto &endpoints = target["dcs_endpoints"];
        if (!endpoints.is_array())
            throw dh::Error(DH_ERR_INVALID_ARGUMENT,
                            "the target's dcs_endpoints must be a list of http(s) URLs");
        for (const auto &e : endpoints) {
            std::string url = e.is_string() ? e.get<std::string>() : "";
            if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
                throw dh::Error(
                    DH_ERR_INVALID_ARGUMENT,
                    "the target's dcs_endpoints must be http(s) URLs, not " + e.dump().substr(0, 80));
            while (!url.empty() && url.back() == '/') url.pop_back();
            t.endpoints.push_back(url);
        }
    } else {
        for (const auto &m : target.value("members", dh::json::array()))
            if (m.is_object() && m.value("runs_etcd", false) && m.value("address", dh::json()).is_string())
                t.endpoints.push_back("http://" + m["address"].get<std::string>() + ":" +
                                      std::to_string(m.value("etcd_client_port", 2379)));
    }
    if (t.endpoints.empty())
        throw dh::Error(
            DH_ERR_INVALID_ARGUMENT,
            "the target lists no etcd endpoint: add dcs_endpoints: [http://host:2379, ...] to it");
    if (target.contains("dcs_tls")) {  // as Patroni's etcd3 section names them: cacert, cert, key
        const auto &tls = target["dcs_tls"];
        if (!tls.is_object())
            throw dh::Error(DH_ERR_INVALID_ARGUMENT,
                            "the target's dcs_tls must be a mapping (cacert, cert, key)");
        for (auto [key, field] :
             {std::pair{"cacert", &t.cacert}, std::pair{"cert", &t.cert}, std::pair{"key", &t.key}})
            if (tls.contains(key)) {
                if (!tls[key].is_string())
                    throw dh::Error(DH_ERR_INVALID_ARGUMENT,
                                    std::string("the target's dcs_tls.") + key + " must be a file's path");
                *field = tls[key].get<std::string>();
            }
    }
    if (target.contains("dcs_auth")) {  // as Patroni's etcd3 section names them: username, password
        const auto &auth = target["dcs_auth"];
        if (!auth.is_object() || !auth.value("username", dh::json()).is_string() ||
            !auth.value("password", dh::json()).is_string())
            throw dh::Error(DH_ERR_INVALID_ARGUMENT,
                            "the target's dcs_auth must be a mapping of a username and a password (strings)");
        t.username = auth["username"], t.password = auth["password"];
    }
    return t;
}

dh::json view_json(const DcsView &view) {
    return {{"leader", view.leader ? dh::json(*view.leader) : dh::json(nullptr)},
            {"leader_revision", view.leader_revision},
            {"optime", view.optime ? dh::json(*view.optime) : dh::json(nullptr)},
            {"optime_lsn", view.optime ? dh::json(format_lsn(*view.optime)) : dh::json(nullptr)}};
}

// One read from the first endpoint that answers, starting with the one that answered last.
class DcsReader {
  public:
    explicit DcsReader(DcsTarget target, long timeout_ms) : target_(std::move(target)) {
        options_.timeout_ms = timeout_ms;
        options_.connect_timeout_ms = std::min(timeout_ms, 500L);
        options_.cacert = target_.cacert, options_.cert = target_.cert, options_.key = target_.key;
        if (target_.kind == "etcd")  // the v2 API takes basic auth; v3 a token (below)
            options_.username = target_.username, options_.password = target_.password;
    }

    std::optional<DcsView> read(std::string &error) {
        error.clear();
        for (size_t i = 0; i < target_.endpoints.size(); ++i) {
            size_t at = (preferred_ + i) % target_.endpoints.size();
            const std::string &endpoint = target_.endpoints[at];
            RestReply reply =
                target_.kind == "etcd3"
                    ? read_etcd3(endpoint)
                    : rest_call("GET", endpoint + "/v2/keys" + target_.prefix + "?recursive=true", "",
                                options_);
            try {
                if (reply.status == 200 || (target_.kind == "etcd" && reply.status == 404)) {
                    preferred_ = at;
                    endpoint_ = endpoint;
                    return target_.kind == "etcd3" ? parse_etcd3_range(reply.body, target_.prefix)
                                                   : parse_etcd2_keys(reply.body, target_.prefix);
                }
                error += endpoint + ": " +
                         (reply.status ? "HTTP " + std::to_string(reply.status) : reply.error) + "; ";
            } catch (const std::exception &e) {
                error += endpoint + ": " + e.what() + "; ";
            }
        }
        return std::nullopt;
    }
    const std::string &endpoint() const { return endpoint_; }

  private:
    // etcd v3 with users: a token from /v3/auth/authenticate in the Authorization header. A simple
    // token lives in the member that gave it (and expires), so there is one per endpoint, asked
    // again once when a read is refused with it. An etcd without auth enabled is read without one.
    RestReply read_etcd3(const std::string &endpoint) {
        const std::string range = etcd3_range_request(target_.prefix).dump();
        RestOptions options = options_;
        for (int attempt = 0;; ++attempt) {
            if (!target_.username.empty()) {
                auto &token = tokens_[endpoint];
                if (token.empty()) {
                    RestReply refused;
                    token = authenticate(endpoint, refused.error);
                    if (token.empty()) return refused;
                }
                options.authorization = token == no_auth ? "" : token;
            }
            RestReply reply = rest_call("POST", endpoint + "/v3/kv/range", range, options);
            if (reply.status == 200 || target_.username.empty() || attempt == 1 || reply.status == 0)
                return reply;
            tokens_[endpoint].clear();
        }
    }

    // The token, no_auth when etcd has no auth enabled, or "" with `error` saying why not.
    std::string authenticate(const std::string &endpoint, std::string &error) {
        dh::json request = {{"name", target_.username}, {"password", target_.password}};
        RestReply reply = rest_call("POST", endpoint + "/v3/auth/authenticate", request.dump(), options_);
        auto body = dh::json::parse(reply.body, nullptr, false);
        if (reply.status == 200 && body.is_object() && body.value("token", dh::json()).is_string())
            return body["token"];
        // The server's words (it never echoes the password): "etcdserver: authentication failed,
        // invalid user ID or password", "etcdserver: authentication is not enabled".
        std::string why = reply.status == 0 ? reply.error
                          : body.is_object() && body.value("error", dh::json()).is_string()
                              ? body["error"].get<std::string>()
                              : "HTTP " + std::to_string(reply.status);
        if (why.find("authentication is not enabled") != std::string::npos) return no_auth;
        error = "etcd refused user " + target_.username + ": " + why.substr(0, 200);
        return "";
    }

    static constexpr const char *no_auth = "\n";  // never a token's text
    DcsTarget target_;
    RestOptions options_;
    std::map<std::string, std::string> tokens_;  // per endpoint
    size_t preferred_ = 0;
    std::string endpoint_;
};

}  // namespace

namespace schemas {

constexpr const char *view_result = R"json({
    "type": "object",
    "properties": {
        "leader": {"type": ["string", "null"], "description": "who holds the leader key (null: nobody)"},
        "leader_revision": {"type": "integer", "description": "the key's etcd revision: a new one each time it is written anew"},
        "optime": {"type": ["integer", "null"], "description": "the WAL position the leader last published, in bytes"},
        "optime_lsn": {"type": ["string", "null"]},
        "endpoint": {"type": "string"}
    },
    "required": ["leader", "leader_revision", "optime", "optime_lsn", "endpoint"],
    "additionalProperties": false
})json";

constexpr const char *start_params = R"json({
    "type": "object",
    "properties": {
        "rate_hz": {"type": "number", "minimum": 1, "maximum": 100, "default": 10, "description": "reads per second"},
        "timeout_ms": {"type": "integer", "minimum": 50, "maximum": 10000, "default": 300,
                       "description": "deadline for one read of one endpoint"}
    },
    "additionalProperties": false
})json";

constexpr const char *start_result = R"json({
    "type": "object",
    "properties": {"started_ms": {"type": "number"}, "endpoints": {"type": "integer"}},
    "required": ["started_ms", "endpoints"], "additionalProperties": false
})json";

constexpr const char *history_result = R"json({
    "type": "object",
    "properties": {
        "holders": {"type": "array", "description": "each change of the leader key: its holder (null: no key) and revision",
                    "items": {"type": "object", "properties": {"t_ms": {"type": "number"}, "holder": {"type": ["string", "null"]},
                              "revision": {"type": "integer"}}, "required": ["t_ms", "holder", "revision"], "additionalProperties": false}},
        "publishes": {"type": "array", "description": "each new published WAL position, with the key's holder then",
                      "items": {"type": "object", "properties": {"t_ms": {"type": "number"}, "holder": {"type": ["string", "null"]},
                                "optime": {"type": "integer"}, "lsn": {"type": "string"}},
                                "required": ["t_ms", "holder", "optime", "lsn"], "additionalProperties": false}},
        "reads": {"type": "integer"}, "failed_reads": {"type": "integer"},
        "longest_unread_ms": {"type": "number", "description": "the longest time without a successful read"},
        "last_error": {"type": "string"},
        "started_ms": {"type": "number"}, "stopped_ms": {"type": "number"}
    },
    "required": ["holders", "publishes", "reads", "failed_reads", "longest_unread_ms", "last_error", "started_ms", "stopped_ms"],
    "additionalProperties": false
})json";

}  // namespace schemas

// Only reads: every operation observes.
namespace {

struct DcsProbe : dh::Probe {
    static constexpr dh::Info info{"org.drillhost.probe.dcs", "dcs", "0.1.0",
                                   "Reads Patroni's leader key and published WAL position in etcd, once or "
                                   "sampled over time",
                                   R"({"type": "object"})"};

    static constexpr auto operations() {
        using Op = dh::Operation<DcsProbe>;
        constexpr auto observe = dh::Effect::observe;
        return std::array{
            Op{"read", observe, "Who holds the leader key, and the WAL position the leader last published",
               R"json({"type": "object", "properties": {"timeout_ms": {"type": "integer", "minimum": 50, "maximum": 10000, "default": 1000}},
                   "additionalProperties": false})json",
               schemas::view_result, &DcsProbe::read},
            Op{"start", observe, "Starts reading the keys in the background", schemas::start_params,
               schemas::start_result, &DcsProbe::start},
            Op{"stop", observe,
               "Stops reading; each change of the leader key and each published position, in time",
               R"({"type": "object", "additionalProperties": false})", schemas::history_result,
               &DcsProbe::stop},
        };
    }

    ~DcsProbe() override { stop_thread(); }

    dh::json read(dh::Host &host, const dh::json &params) {
        DcsReader reader(dcs_target(host.target()), params.value("timeout_ms", 1000L));
        std::string error;
        auto view = reader.read(error);
        if (!view) throw dh::Error(DH_ERR_UNAVAILABLE, "no etcd endpoint answered: " + error);
        auto out = view_json(*view);
        out["endpoint"] = reader.endpoint();
        return out;
    }

    dh::json start(dh::Host &host, const dh::json &params) {
        if (running_)
            throw dh::Error(DH_ERR_INVALID_ARGUMENT, "the dcs sampler is already running; stop it first");
        DcsTarget target = dcs_target(host.target());
        size_t endpoints = target.endpoints.size();
        reader_ = std::make_unique<DcsReader>(std::move(target), params.value("timeout_ms", 300L));
        period_ = std::chrono::duration<double>(1.0 / params.value("rate_hz", 10.0));
        holders_ = dh::json::array(), publishes_ = dh::json::array();
        reads_ = failed_ = 0, longest_unread_ms_ = 0, last_error_.clear();
        origin_host_ms_ = host.now_ms();
        origin_ = std::chrono::steady_clock::now();
        running_ = true;
        thread_ = std::thread([this] { sample_loop(); });
        return {{"started_ms", origin_host_ms_}, {"endpoints", endpoints}};
    }

    dh::json stop(dh::Host &host, const dh::json &) {
        if (!reader_) throw dh::Error(DH_ERR_INVALID_ARGUMENT, "the dcs sampler has not run; start it first");
        stop_thread();
        std::lock_guard lock(mutex_);
        dh::json history = {{"holders", holders_},
                            {"publishes", publishes_},
                            {"reads", reads_},
                            {"failed_reads", failed_},
                            {"longest_unread_ms", longest_unread_ms_},
                            {"last_error", last_error_},
                            {"started_ms", origin_host_ms_},
                            {"stopped_ms", now_ms()}};
        host.event("dcs.history", history);
        return history;
    }

  private:
    double now_ms() const {
        return origin_host_ms_ +
               std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - origin_).count();
    }

    void sample_loop() {
        auto next = std::chrono::steady_clock::now();
        double last_read_ms = now_ms();
        std::optional<std::string> holder;
        int64_t revision = -1;
        std::optional<uint64_t> optime;
        while (running_) {
            std::string error;
            auto view = reader_->read(error);
            double t = now_ms();
            {
                std::lock_guard lock(mutex_);
                ++reads_;
                if (!view) {
                    ++failed_;
                    last_error_ = error;
                    longest_unread_ms_ = std::max(longest_unread_ms_, t - last_read_ms);
                } else {
                    last_read_ms = t;
                    if (view->leader != holder || view->leader_revision != revision) {
                        holder = view->leader, revision = view->leader_revision;
                        holders_.push_back({{"t_ms", t},
                                            {"holder", holder ? dh::json(*holder) : dh::json(nullptr)},
                                            {"revision", revision}});
                    }
                    if (view->optime && view->optime != optime) {
                        optime = view->optime;
                        publishes_.push_back({{"t_ms", t},
                                              {"holder", holder ? dh::json(*holder) : dh::json(nullptr)},
                                              {"optime", *optime},
                                              {"lsn", format_lsn(*optime)}});
                    }
                }
            }
            next += std::chrono::duration_cast<std::chrono::steady_clock::duration>(period_);
            if (next < std::chrono::steady_clock::now()) next = std::chrono::steady_clock::now();
            std::this_thread::sleep_until(next);
        }
    }

    void stop_thread() {
        running_ = false;
        if (thread_.joinable()) thread_.join();
    }

    std::unique_ptr<DcsReader> reader_;
    std::chrono::duration<double> period_{0.1};
    std::atomic<bool> running_{false};
    std::thread thread_;
    std::mutex mutex_;
    dh::json holders_ = dh::json::array(), publishes_ = dh::json::array();
    long reads_ = 0, failed_ = 0;
    double longest_unread_ms_ = 0;
    std::string last_error_;
    double origin_host_ms_ = 0;
    std::chrono::steady_clock::time_point origin_;
};

}  // namespace

DRILLHOST_PLUGIN("dcs", "0.1.0", DcsProbe)
