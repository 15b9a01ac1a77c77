#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/instance.hpp>

#include <exception>

namespace drillhost {

const char *status_name(dh_status status) {
    switch (status) {
        case DH_OK:
            return "DH_OK";
        case DH_ERR_INVALID_ARGUMENT:
            return "DH_ERR_INVALID_ARGUMENT";
        case DH_ERR_FAILED:
            return "DH_ERR_FAILED";
        case DH_ERR_CANCELLED:
            return "DH_ERR_CANCELLED";
        case DH_ERR_UNAVAILABLE:
            return "DH_ERR_UNAVAILABLE";
        case DH_ERR_NOT_FOUND:
            return "DH_ERR_NOT_FOUND";
        case DH_ERR_INTERNAL:
            return "DH_ERR_INTERNAL";
        case DH_ERR_SKIPPED:
            return "DH_ERR_SKIPPED";
        default:
            return "unknown status";
    }
}

ComponentInstance::ComponentInstance(const Component &component, const dh_host *host)
    : component_(component), host_(host) {
    instance_ = component.table->create(host);
    if (instance_ == nullptr)
        throw InfraError(component.id + " (" + component.plugin_path + "): create() returned NULL");
    const char *error = component.table->last_error(instance_);
    if (error != nullptr && *error != '\0') {
        std::string message =
            component.id + " (" + component.plugin_path + "): create() failed: " + valid_utf8(error);
        component.table->destroy(instance_);
        instance_ = nullptr;
        throw InfraError(message);
    }
}

ComponentInstance::~ComponentInstance() {
    if (instance_) component_.table->destroy(instance_);
}

template <class Call>
CallResult ComponentInstance::guarded(const char *what, Call &&call) {
    std::lock_guard lock(mutex_);
    CallResult result;
    const char *output = nullptr;
    try {
        result.status = call(output);
    } catch (const std::exception &e) {
        // A C++ plugin let an exception cross the C ABI; report it rather than die.
        result.status = DH_ERR_INTERNAL;
        result.text = std::string(what) + " threw across the plugin ABI: " + valid_utf8(e.what());
        result.threw = true;
        return result;
    } catch (...) {
        result.status = DH_ERR_INTERNAL;
        result.text = std::string(what) + " threw across the plugin ABI";
        result.threw = true;
        return result;
    }
    // Text from the plugin (records, samples, errors) is made valid UTF-8 here, once for every caller.
    if (result.status == DH_OK) {
        result.text = output ? valid_utf8(output) : "";
    } else {
        const char *error = component_.table->last_error(instance_);
        result.text = error && *error ? valid_utf8(error)
                                      : std::string(what) + " returned " + status_name(result.status);
    }
    return result;
}

CallResult ComponentInstance::run(const std::string &params_json) {
    return guarded(
        "run", [&](const char *&) { return component_.table->run(instance_, host_, params_json.c_str()); });
}

CallResult ComponentInstance::inject(const std::string &params_json) {
    return guarded("inject", [&](const char *&out) {
        return component_.table->inject(instance_, host_, params_json.c_str(), &out);
    });
}

CallResult ComponentInstance::revert(const std::string &record_json, uint32_t flags) {
    return guarded("revert", [&](const char *&) {
        return component_.table->revert(instance_, host_, record_json.c_str(), flags);
    });
}

CallResult ComponentInstance::sample(const std::string &params_json) {
    return guarded("sample", [&](const char *&out) {
        return component_.table->sample(instance_, host_, params_json.c_str(), &out);
    });
}

CallResult ComponentInstance::invoke(const std::string &operation, const std::string &params_json) {
    return guarded("invoke", [&](const char *&out) {
        return component_.table->invoke(instance_, host_, operation.c_str(), params_json.c_str(), &out);
    });
}

}  // namespace drillhost
