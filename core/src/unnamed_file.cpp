#include <drillhost/core/unnamed_file.hpp>

#include <drillhost/core/errors.hpp>

#include <cerrno>
#include <cstring>

namespace drillhost {

UnnamedFile unnamed_file() {
    UnnamedFile file(std::tmpfile());
    if (!file) throw InfraError(std::string("cannot create a temporary file: ") + std::strerror(errno));
    return file;
}

std::string contents_of(std::FILE *file) {
    std::string text;
    std::fflush(file);
    std::rewind(file);
    char buffer[8192];
    for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, file)) > 0;) text.append(buffer, n);
    return text;
}

}  // namespace drillhost
