#include <drillhost/core/backends.hpp>

#include <mutex>

#include "builtin_backends.hpp"

namespace drillhost {
namespace {

template <class Kind>
struct KindList {
    std::vector<std::shared_ptr<const Kind>> kinds;

    void add(Kind kind) {
        auto shared = std::make_shared<const Kind>(std::move(kind));
        for (auto &k : kinds)
            if (k->name == shared->name) {
                k = shared;  // a caller still holding the old one keeps it alive
                return;
            }
        kinds.push_back(shared);
    }
    std::shared_ptr<const Kind> find(const std::string &name) const {
        for (const auto &k : kinds)
            if (k->name == name) return k;
        return nullptr;
    }
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto &k : kinds) out.push_back(k->name);
        return out;
    }
};

struct Table {
    std::mutex mutex;
    KindList<TransportKind> transports;
    KindList<ServiceBackendKind> services;

    Table() {
        for (auto &kind : builtin_transports()) transports.add(std::move(kind));
        for (auto &kind : builtin_service_backends()) services.add(std::move(kind));
    }
};

Table &table() {
    static Table instance;
    return instance;
}

}  // namespace

void register_transport(TransportKind kind) {
    auto &t = table();
    std::lock_guard lock(t.mutex);
    t.transports.add(std::move(kind));
}

void register_service_backend(ServiceBackendKind kind) {
    auto &t = table();
    std::lock_guard lock(t.mutex);
    t.services.add(std::move(kind));
}

std::shared_ptr<const TransportKind> find_transport(const std::string &name) {
    auto &t = table();
    std::lock_guard lock(t.mutex);
    return t.transports.find(name);
}

std::shared_ptr<const ServiceBackendKind> find_service_backend(const std::string &name) {
    auto &t = table();
    std::lock_guard lock(t.mutex);
    return t.services.find(name);
}

std::vector<std::shared_ptr<const ServiceBackendKind>> service_backends() {
    auto &t = table();
    std::lock_guard lock(t.mutex);
    return t.services.kinds;
}

std::vector<std::string> transport_names() {
    auto &t = table();
    std::lock_guard lock(t.mutex);
    return t.transports.names();
}

std::vector<std::string> service_backend_names() {
    auto &t = table();
    std::lock_guard lock(t.mutex);
    return t.services.names();
}

}  // namespace drillhost
