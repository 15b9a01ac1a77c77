// `sandbox up --patroni PATH`: what it accepts (an executable with patronictl beside it, a source
// tree or its patroni.py) and the errors that name the path when it is neither.
#include <doctest/doctest.h>
#include <drillhost/core/errors.hpp>
#include <drillhost/sandbox/patroni_install.hpp>

#include <fstream>

#include "temp_dir.hpp"

namespace sb = drillhost::sandbox;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path &path, const std::string &text, bool executable) {
    std::ofstream(path) << text;
    if (executable) fs::permissions(path, fs::perms::owner_all);
}

std::string error_of(const std::string &path) {
    try {
        sb::resolve_patroni(path);
    } catch (const drillhost::UsageError &e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("patroni install: the version is read from what --version prints, for both spellings") {
    CHECK(sb::patroni_version_from("patroni 3.0.2\n") == "3.0.2");
    CHECK(sb::patroni_version_from("patroni.py 4.1.4\n") == "4.1.4");
    CHECK(sb::patroni_version_from("some warning\npatroni 4.0.0rc1\n") == "4.0.0rc1");
    CHECK(sb::patroni_version_from("Traceback (most recent call last):\n") == "");
}

TEST_CASE("patroni install: a source tree runs on Debian's python3, with its patronictl.py") {
    TempDir dir;
    write_file(dir.path() / "patroni.py", "", false);
    write_file(dir.path() / "patronictl.py", "", false);
    auto install = sb::resolve_patroni(dir.path().string());
    CHECK(install.patroni ==
          std::vector<std::string>{"/usr/bin/python3", (dir.path() / "patroni.py").string()});
    CHECK(install.patronictl ==
          std::vector<std::string>{"/usr/bin/python3", (dir.path() / "patronictl.py").string()});
    CHECK(sb::resolve_patroni((dir.path() / "patroni.py").string()).patroni == install.patroni);
    // The record in the state file survives a round trip.
    auto again = sb::PatroniInstall::from_json(install.to_json());
    CHECK(again.patroni == install.patroni);
    CHECK(again.requested == dir.path().string());
}

TEST_CASE("patroni install: an executable needs an executable patronictl beside it") {
    TempDir dir;
    write_file(dir.path() / "patroni", "#!/bin/sh\n", true);
    CHECK(error_of((dir.path() / "patroni").string()).find("no executable patronictl beside it") !=
          std::string::npos);
    write_file(dir.path() / "patronictl", "#!/bin/sh\n", true);
    auto install = sb::resolve_patroni((dir.path() / "patroni").string());
    CHECK(install.patroni == std::vector<std::string>{(dir.path() / "patroni").string()});
    CHECK(install.patronictl == std::vector<std::string>{(dir.path() / "patronictl").string()});
}

TEST_CASE("patroni install: what is neither is refused, naming the path") {
    TempDir dir;
    CHECK(error_of((dir.path() / "nowhere").string()) ==
          "--patroni " + (dir.path() / "nowhere").string() + ": no such file or directory");
    CHECK(error_of(dir.path().string()).find("must be a Patroni source tree with patroni.py") !=
          std::string::npos);
    write_file(dir.path() / "notes.txt", "", false);
    CHECK(error_of((dir.path() / "notes.txt").string())
              .find("neither an executable nor a Patroni source tree") != std::string::npos);
    write_file(dir.path() / "patroni.py", "", false);
    CHECK(error_of(dir.path().string()).find("no patronictl.py beside") != std::string::npos);
    // A name longer than the file system takes is a usage error naming the option, shortened.
    std::string long_name = "/tmp/" + std::string(5000, 'a');
    std::string error = error_of(long_name);
    CHECK(error.rfind("--patroni /tmp/aaa", 0) == 0);
    CHECK(error.find("File name too long") != std::string::npos);
    CHECK(error.size() < 400);
}
