#include <drillhost/core/result_validation.hpp>

#include <cstdlib>
#include <cstring>

namespace drillhost {

namespace {
constexpr const char *variable = "DRILLHOST_VALIDATE_RESULTS";
}

bool results_validated() {
    const char *value = std::getenv(variable);
    return value != nullptr && std::strcmp(value, "1") == 0;
}

void validate_results(bool on) {
    if (on)
        ::setenv(variable, "1", 1);
    else
        ::unsetenv(variable);
}

}  // namespace drillhost
