// Found with the target-file fuzz harness (tests/fuzz/fuzz_target_file.cpp): 511 bytes of nested YAML
// aliases (10 lists of 10 references each) expanded to 10^9 values while cli/target_file.cpp turned
// the YAML into JSON, and `drillhost` never finished. The target file reader now stops at 10 000
// values. It lives in the CLI, so this test runs the drillhost binary on such a file.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "temp_dir.hpp"
#include "test_text.hpp"

namespace {

// The billion laughs in YAML: a0 holds 10 values, each a<i> 10 references to a<i-1>.
std::string nested_aliases(int levels) {
    std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i <= levels; ++i) {
        text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
        for (int j = 0; j < 10; ++j) text += (j ? ", *a" : "*a") + std::to_string(i - 1);
        text += "]\n";
    }
    return text;
}

struct Result {
    int exit_code = -1;
    std::string output;
};

// `drillhost --load <examples> status --target <file>`, stopped by timeout(1) after 60 s (exit 124).
Result status_with_target(const std::string &target) {
    std::string command = "timeout 60 '" + std::string(DRILLHOST_BIN) + "' --load '" +
                          std::string(EXAMPLES_DIR) + "' status --target '" + target + "' 2>&1";
    Result result;
    FILE *pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buffer[4096];
    for (size_t got; (got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
        result.output.append(buffer, got);
    int status = ::pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

}  // namespace

TEST_CASE("a target file of YAML aliases that expand to 10^9 values is a usage error, at once") {
    TempDir dir;
    auto file = dir.path() / "target.yaml";
    std::ofstream(file) << nested_aliases(8);
    auto result = status_with_target(file.string());
    CHECK_MESSAGE(result.exit_code == 2, result.output);
    CHECK_MESSAGE(contains(result.output, "--target " + file.string() + ": more than 10000 values"),
                  result.output);
}

TEST_CASE("aliases within the bound still work: the anchor's value is copied where it is referred to") {
    TempDir dir;
    auto file = dir.path() / "target.yaml";
    // Read before status asks the patroni-rest probe, which --load <examples> does not hold: that is
    // the error, so the target file itself was accepted.
    std::ofstream(file) << "scope: demo\nssh: &ssh {user: root, port: 22}\nmembers:\n"
                           "  - {name: db1, rest_url: 'http://127.0.0.1:1', transport: {kind: ssh}}\n"
                           "defaults: *ssh\n";
    auto result = status_with_target(file.string());
    CHECK_MESSAGE(
        contains(result.output, "no probe or injector 'org.drillhost.probe.patroni-rest' is loaded"),
        result.output);
    CHECK_FALSE_MESSAGE(contains(result.output, "--target " + file.string() + ":"), result.output);
}
