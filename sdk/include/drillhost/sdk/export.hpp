// drillhost C++ SDK: fills the C tables of the ABI from C++ classes.
// DRILLHOST_PLUGIN(name, version, Component...) defines the one exported entry symbol.
#pragma once

#include <drillhost/sdk/components.hpp>

#include <array>
#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace drillhost::sdk::detail {

// What the host holds as a dh_instance*: the component object plus the strings the ABI lends out.
template <class T>
struct Instance {
    std::optional<T> impl;   // empty when the constructor threw
    std::string last_error;  // "" when the last call succeeded
    std::string output;      // the last record or sample handed to the host
};

// Runs `body`, turning every exception into a status and last-error text: nothing crosses the ABI.
template <class T, class Body>
dh_status guarded(dh_instance *handle, Body &&body) noexcept {
    auto *self = reinterpret_cast<Instance<T> *>(handle);
    self->last_error.clear();
    try {
        if (!self->impl) {
            self->last_error = "instance was not constructed";
            return DH_ERR_INTERNAL;
        }
        body(*self->impl, *self);
        return DH_OK;
    } catch (const Error &e) {
        self->last_error = e.what();
        return e.status();
    } catch (const json::exception &e) {
        self->last_error = std::string("JSON: ") + e.what();
        return DH_ERR_INVALID_ARGUMENT;
    } catch (const std::exception &e) {
        self->last_error = e.what();
        return DH_ERR_FAILED;
    } catch (...) {
        self->last_error = "unknown exception";
        return DH_ERR_INTERNAL;
    }
}

inline json parse_params(const char *text) {
    return json::parse(text && *text ? text : "{}");
}

// A component that declares operations (ABI 1.3): a static constexpr `operations()`.
template <class T>
concept HasOperations = requires {
    T::operations();
};

// The C tables of T's operations, built at compile time from T::operations().
template <class T>
struct OperationTable {
    static constexpr auto declared = T::operations();
    static constexpr size_t count = declared.size();

    template <size_t... I>
    static constexpr std::array<dh_operation, count> make(std::index_sequence<I...>) {
        return {dh_operation{sizeof(dh_operation), declared[I].name,
                             static_cast<dh_effect>(declared[I].effect), declared[I].summary,
                             declared[I].params_schema, declared[I].result_schema, declared[I].undo}...};
    }
    static constexpr std::array<dh_operation, count> tables = make(std::make_index_sequence<count>{});

    template <size_t... I>
    static constexpr std::array<const dh_operation *, count> point(std::index_sequence<I...>) {
        return {&tables[I]...};
    }
    static constexpr std::array<const dh_operation *, count> items = point(std::make_index_sequence<count>{});
};

template <class T>
struct Adapter {
    static dh_instance *create(const dh_host *) noexcept {
        auto *self = new (std::nothrow) Instance<T>();
        if (!self) return nullptr;
        try {
            self->impl.emplace();
        } catch (const std::exception &e) {
            self->last_error = std::string("constructor: ") + e.what();
        } catch (...) {
            self->last_error = "constructor: unknown exception";
        }
        return reinterpret_cast<dh_instance *>(self);
    }

    static void destroy(dh_instance *handle) noexcept { delete reinterpret_cast<Instance<T> *>(handle); }

    static const char *last_error(dh_instance *handle) noexcept {
        return reinterpret_cast<Instance<T> *>(handle)->last_error.c_str();
    }

    static dh_status run(dh_instance *handle, const dh_host *raw, const char *params) noexcept {
        return guarded<T>(handle, [&](T &impl, Instance<T> &) {
            Host host(raw, T::info.id);
            if constexpr (std::is_base_of_v<Drill, T>) impl.run(host, parse_params(params));
        });
    }

    static dh_status inject(dh_instance *handle, const dh_host *raw, const char *params,
                            const char **record) noexcept {
        *record = nullptr;
        dh_status status = guarded<T>(handle, [&](T &impl, Instance<T> &self) {
            Host host(raw, T::info.id);
            if constexpr (std::is_base_of_v<Injector, T>)
                self.output = impl.inject(host, parse_params(params)).dump();
        });
        if (status == DH_OK) *record = reinterpret_cast<Instance<T> *>(handle)->output.c_str();
        return status;
    }

    static dh_status revert(dh_instance *handle, const dh_host *raw, const char *record,
                            uint32_t flags) noexcept {
        return guarded<T>(handle, [&](T &impl, Instance<T> &) {
            Host host(raw, T::info.id);
            if constexpr (std::is_base_of_v<Injector, T>)
                impl.revert(host, parse_params(record), (flags & DH_REVERT_UNCONFIRMED) != 0);
        });
    }

    static dh_status sample(dh_instance *handle, const dh_host *raw, const char *params,
                            const char **result) noexcept {
        *result = nullptr;
        dh_status status = guarded<T>(handle, [&](T &impl, Instance<T> &self) {
            Host host(raw, T::info.id);
            if constexpr (std::is_base_of_v<Probe, T>)
                self.output = impl.sample(host, parse_params(params)).dump();
        });
        if (status == DH_OK) *result = reinterpret_cast<Instance<T> *>(handle)->output.c_str();
        return status;
    }

    static dh_status invoke(dh_instance *handle, const dh_host *raw, const char *operation,
                            const char *params, const char **result) noexcept {
        *result = nullptr;
        dh_status status = guarded<T>(handle, [&](T &impl, Instance<T> &self) {
            if constexpr (HasOperations<T>) {
                Host host(raw, T::info.id);
                std::string_view name = operation ? operation : "";
                for (const auto &op : OperationTable<T>::declared)
                    if (name == op.name) {
                        self.output = (impl.*op.handler)(host, parse_params(params)).dump();
                        return;
                    }
                throw Error(DH_ERR_NOT_FOUND, "no operation '" + std::string(name) + "'");
            }
        });
        if (status == DH_OK) *result = reinterpret_cast<Instance<T> *>(handle)->output.c_str();
        return status;
    }

    static constexpr uint32_t operation_count() {
        if constexpr (HasOperations<T>)
            return static_cast<uint32_t>(OperationTable<T>::count);
        else
            return 0;
    }
    static constexpr const dh_operation *const *operation_items() {
        if constexpr (HasOperations<T>)
            return OperationTable<T>::items.data();
        else
            return nullptr;
    }

    static constexpr dh_descriptor descriptor{sizeof(dh_descriptor), T::kind,         T::info.id,
                                              T::info.name,          T::info.version, T::info.summary,
                                              T::info.schema,        T::info.impact,  T::info.aliases};

    static constexpr dh_component component{
        sizeof(dh_component),
        &descriptor,
        &create,
        &destroy,
        &last_error,
        T::kind == DH_KIND_DRILL ? &run : nullptr,
        T::kind == DH_KIND_INJECTOR ? &inject : nullptr,
        T::kind == DH_KIND_INJECTOR ? &revert : nullptr,
        T::kind == DH_KIND_PROBE && !HasOperations<T> ? &sample : nullptr,
        operation_count(),
        operation_items(),
        HasOperations<T> ? &invoke : nullptr,
    };
};

template <class... T>
struct ComponentTable {
    static_assert(sizeof...(T) > 0, "a plugin needs at least one component");
    static constexpr const dh_component *items[] = {&Adapter<T>::component...};
    static constexpr uint32_t count = sizeof...(T);
};

}  // namespace drillhost::sdk::detail

// Exports a plugin made of the listed component classes. Use once per .so, at namespace scope.
#define DRILLHOST_PLUGIN(plugin_name, plugin_version, ...)                                                 \
    extern "C" DH_EXPORT const dh_plugin *drillhost_plugin_entry(void) {                                   \
        using drillhost_table = ::drillhost::sdk::detail::ComponentTable<__VA_ARGS__>;                     \
        static const dh_plugin plugin{sizeof(dh_plugin),     DH_ABI_VERSION_MAJOR, DH_ABI_VERSION_MINOR,   \
                                      plugin_name,           plugin_version,       drillhost_table::count, \
                                      drillhost_table::items};                                             \
        return &plugin;                                                                                    \
    }
