// An instance of a component, made and destroyed through its C table, with every call guarded:
// a status plus the instance's last-error text, never an exception from the plugin.
#pragma once

#include <drillhost/core/component.hpp>

#include <mutex>
#include <string>

namespace drillhost {

struct CallResult {
    dh_status status = DH_OK;
    std::string text;    // the output (record, sample) on DH_OK, else the error message
    bool threw = false;  // a C++ exception crossed the C ABI: the plugin broke its contract
    bool ok() const { return status == DH_OK; }
};

// Name of a status: "DH_ERR_FAILED", ...
const char *status_name(dh_status status);

class ComponentInstance {
  public:
    // Throws InfraError (naming component and plugin) when create() fails.
    ComponentInstance(const Component &component, const dh_host *host);
    ~ComponentInstance();
    ComponentInstance(const ComponentInstance &) = delete;
    ComponentInstance &operator=(const ComponentInstance &) = delete;

    const Component &component() const { return component_; }

    // Each call is serialised on this instance, as the ABI promises plugins.
    CallResult run(const std::string &params_json);
    CallResult inject(const std::string &params_json);
    CallResult revert(const std::string &record_json, uint32_t flags);
    CallResult sample(const std::string &params_json);
    // ABI 1.3: a declared operation (dh_component.invoke).
    CallResult invoke(const std::string &operation, const std::string &params_json);

  private:
    template <class Call>
    CallResult guarded(const char *what, Call &&call);

    const Component &component_;
    const dh_host *host_;
    dh_instance *instance_ = nullptr;
    std::mutex mutex_;
};

}  // namespace drillhost
