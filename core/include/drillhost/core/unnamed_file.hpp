// A child's output caught in an unnamed temporary file: std::tmpfile unlinks it at once, so not even a
// SIGKILLed drillhost leaves it in /tmp, and unlike a pipe it cannot fill up and block the child.
// Shared by the core and the sandbox.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

namespace drillhost {

struct FileCloser {
    void operator()(std::FILE *file) const { std::fclose(file); }
};
using UnnamedFile = std::unique_ptr<std::FILE, FileCloser>;

// Throws InfraError when no temporary file can be made.
UnnamedFile unnamed_file();

// Everything written to the file so far, from its start.
std::string contents_of(std::FILE *file);

}  // namespace drillhost
