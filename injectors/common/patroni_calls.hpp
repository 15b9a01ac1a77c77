// Patroni's dynamic configuration through the patroni-rest probe, for the injectors that change it.
#pragma once

#include <drillhost/sdk.hpp>

namespace drillhost::injectors {

using json = nlohmann::json;

inline constexpr const char *patroni_rest = "org.drillhost.probe.patroni-rest";

inline nlohmann::json dynamic_config(const sdk::Host &host) {
    return host.operate(patroni_rest, "config").at("data");
}

// Whether `config` holds everything `patch` sets (null: the key is absent).
inline bool holds(const nlohmann::json &config, const nlohmann::json &patch) {
    for (const auto &[key, value] : patch.items()) {
        bool has = config.is_object() && config.contains(key);
        if (value.is_null() ? has : !has) return false;
        if (value.is_object() ? !holds(config[key], value) : (!value.is_null() && config[key] != value))
            return false;
    }
    return true;
}

// PATCH /config; throws unless Patroni accepted it. Then waits (up to `confirm`) until GET /config
// shows it: a member serves GET /config from its cached view of the DCS, which can lag a PATCH
// by a moment, and a drill must not act on a change that is not visible yet.
inline nlohmann::json patch_config(const sdk::Host &host, const nlohmann::json &body,
                                   std::chrono::milliseconds confirm = std::chrono::seconds(15)) {
    auto reply = host.operate(patroni_rest, "patch_config", {{"body", body}});
    if (!reply.value("ok", false))
        throw sdk::Error(DH_ERR_FAILED, "PATCH /config " + body.dump() + " refused: " + reply.dump());
    auto deadline = host.now_ms() + static_cast<double>(confirm.count());
    for (;;) {
        auto config = dynamic_config(host);
        if (holds(config, body)) return config;
        if (host.now_ms() > deadline)
            throw sdk::Error(DH_ERR_FAILED, "PATCH /config " + body.dump() +
                                                " was accepted, but GET /config still "
                                                "does not show it after " +
                                                std::to_string(confirm.count()) + " ms");
        host.sleep(std::chrono::milliseconds(100));
    }
}

// What a PATCH of `patch` must send to put `current` back: the old value of every key it sets,
// recursing into objects both sides have, and null (Patroni deletes the key) where there was none.
inline nlohmann::json previous_values(const nlohmann::json &current, const nlohmann::json &patch) {
    nlohmann::json previous = nlohmann::json::object();
    for (const auto &[key, value] : patch.items()) {
        bool had = current.is_object() && current.contains(key);
        if (value.is_object() && had && current[key].is_object())
            previous[key] = previous_values(current[key], value);
        else
            previous[key] = had ? current[key] : nlohmann::json(nullptr);
    }
    return previous;
}

}  // namespace drillhost::injectors
