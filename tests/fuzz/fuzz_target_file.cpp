// libFuzzer target: a --target file (cli/target_file.cpp: YAML or JSON, depth-bounded, checked
// against the target shape). The bytes are written to a file in a private directory, since
// load_target_file reads a trusted file by path as the CLI does. It may refuse with UsageError;
// what it accepts is a JSON object that dumps.
#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/errors.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "target_file.hpp"

namespace {

// One directory per fuzzing process (mode 0700 from mkdtemp), removed at exit.
const std::string &target_path() {
    static const std::string path = [] {
        char dir[] = "/tmp/drillhost-fuzz-target-XXXXXX";
        if (::mkdtemp(dir) == nullptr) std::abort();
        static std::string file = std::string(dir) + "/target.yaml";
        static std::string directory = dir;
        std::atexit([] {
            ::unlink(file.c_str());
            ::rmdir(directory.c_str());
        });
        return file;
    }();
    return path;
}

void write_file(const std::string &path, const uint8_t *data, size_t size) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) std::abort();
    for (size_t done = 0; done < size;) {
        ssize_t written = ::write(fd, data + done, size - done);
        if (written <= 0) std::abort();
        done += static_cast<size_t>(written);
    }
    ::close(fd);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string &path = target_path();
    write_file(path, data, size);
    try {
        auto target = drillhost::cli::load_target_file(path);
        if (!target.is_object()) std::abort();
        (void)drillhost::dump_json(target);
    } catch (const drillhost::UsageError &e) {
        (void)drillhost::valid_utf8(e.what());
    }
    return 0;
}
