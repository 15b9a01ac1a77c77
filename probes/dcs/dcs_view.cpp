#include "dcs_view.hpp"

#include <boost/beast/core/detail/base64.hpp>
#include <stdexcept>

namespace drillhost::probes {
using nlohmann::json;
namespace base64 = boost::beast::detail::base64;

namespace {

std::string encode(const std::string &text) {
    std::string out(base64::encoded_size(text.size()), '\0');
    out.resize(base64::encode(out.data(), text.data(), text.size()));
    return out;
}

std::string decode(const std::string &text) {
    std::string out(base64::decoded_size(text.size()), '\0');
    auto [written, read] = base64::decode(out.data(), text.data(), text.size());
    // The decoder stops at the first '=': only padding may follow.
    if (text.find_first_not_of('=', read) != std::string::npos)
        throw std::invalid_argument("a key or value is not base64");
    out.resize(written);
    return out;
}

// The optime: a number in the status key's JSON, or the legacy key's plain text.
std::optional<uint64_t> optime_of_status(const std::string &value) {
    auto status = json::parse(value, nullptr, false);
    if (!status.is_object() || !status.contains("optime") || !status["optime"].is_number_unsigned())
        return std::nullopt;
    return status["optime"].get<uint64_t>();
}

std::optional<uint64_t> optime_of_text(const std::string &value) {
    if (value.empty() || value.size() > 20 || value.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    return std::stoull(value);
}

// One key of the cluster's directory, whichever API it came from.
void take(DcsView &view, std::optional<uint64_t> &legacy_optime, const std::string &name,
          const std::string &value, int64_t revision) {
    if (name == "leader") {
        view.leader = value;
        view.leader_revision = revision;
    } else if (name == "status") {
        view.optime = optime_of_status(value);
    } else if (name == "optime/leader") {
        legacy_optime = optime_of_text(value);
    }
}

int64_t revision_of(const json &field) {
    if (field.is_number_integer()) return field.get<int64_t>();
    if (field.is_string()) return std::stoll(field.get<std::string>());  // etcd3: int64 as a string
    throw std::invalid_argument("a revision is neither a number nor a numeric string");
}

}  // namespace

std::string scope_prefix(const std::string &namespace_, const std::string &scope) {
    std::string prefix = namespace_.empty() ? "/service" : namespace_;
    if (prefix.front() != '/') prefix.insert(prefix.begin(), '/');
    if (prefix.back() != '/') prefix += '/';
    return prefix + scope + "/";
}

json etcd3_range_request(const std::string &prefix) {
    std::string end = prefix;
    end.back() = static_cast<char>(end.back() + 1);  // "/a/b/" -> "/a/b0": every key under the prefix
    return {{"key", encode(prefix)}, {"range_end", encode(end)}};
}

DcsView parse_etcd3_range(const std::string &body, const std::string &prefix) {
    auto reply = json::parse(body, nullptr, false);
    if (!reply.is_object() || !reply.contains("header"))
        throw std::invalid_argument("not an etcd v3 range reply");
    DcsView view;
    std::optional<uint64_t> legacy;
    for (const auto &kv : reply.value("kvs", json::array())) {
        if (!kv.is_object() || !kv.contains("key") || !kv["key"].is_string())
            throw std::invalid_argument("an etcd v3 key-value without a key");
        std::string key = decode(kv["key"].get<std::string>());
        if (key.rfind(prefix, 0) != 0) continue;
        std::string value = kv.contains("value") && kv["value"].is_string() ? decode(kv["value"]) : "";
        take(view, legacy, key.substr(prefix.size()), value,
             revision_of(kv.value("mod_revision", json("0"))));
    }
    if (!view.optime) view.optime = legacy;
    return view;
}

DcsView parse_etcd2_keys(const std::string &body, const std::string &prefix) {
    auto reply = json::parse(body, nullptr, false);
    if (!reply.is_object()) throw std::invalid_argument("not an etcd v2 keys reply");
    DcsView view;
    if (reply.value("errorCode", 0) == 100) return view;  // "Key not found": no cluster yet
    if (!reply.contains("node") || !reply["node"].is_object())
        throw std::invalid_argument("an etcd v2 reply without a node");
    std::optional<uint64_t> legacy;
    // Depth-first over the directory: leader, status and optime/leader are all within two levels.
    std::vector<json> pending = {reply["node"]};
    while (!pending.empty()) {
        json node = std::move(pending.back());
        pending.pop_back();
        for (const auto &child : node.value("nodes", json::array())) pending.push_back(child);
        std::string key = node.value("key", "");
        if (key.rfind(prefix, 0) != 0 || !node.contains("value") || !node["value"].is_string()) continue;
        take(view, legacy, key.substr(prefix.size()), node["value"],
             revision_of(node.value("modifiedIndex", json(0))));
    }
    if (!view.optime) view.optime = legacy;
    return view;
}

}  // namespace drillhost::probes
