#include <unistd.h>
#include <drillhost/core/errors.hpp>
#include <drillhost/sandbox/command.hpp>
#include <drillhost/sandbox/patroni_install.hpp>

#include <boost/process.hpp>
#include <regex>

namespace drillhost::sandbox {
namespace fs = std::filesystem;
using nlohmann::json;

// A source tree runs on Debian's interpreter: another python3 earlier on PATH may lack psycopg2.
static const char *const debian_python = "/usr/bin/python3";

json PatroniInstall::to_json() const {
    return {{"requested", requested}, {"command", patroni}, {"patronictl", patronictl}, {"version", version}};
}

PatroniInstall PatroniInstall::from_json(const json &j) {
    PatroniInstall install;
    install.requested = j.value("requested", "");
    install.patroni = j.at("command").get<std::vector<std::string>>();
    install.patronictl = j.at("patronictl").get<std::vector<std::string>>();
    install.version = j.value("version", "");
    return install;
}

namespace {

bool executable_file(const fs::path &path) {
    std::error_code error;
    return fs::is_regular_file(path, error) && ::access(path.c_str(), X_OK) == 0;
}

PatroniInstall from_source_tree(const std::string &requested, const fs::path &patroni_py) {
    fs::path patronictl_py = patroni_py.parent_path() / "patronictl.py";
    if (std::error_code e; !fs::is_regular_file(patronictl_py, e))
        throw UsageError("--patroni " + requested + ": there is no patronictl.py beside " +
                         patroni_py.string() + "; a source tree of Patroni has both");
    return {requested, {debian_python, patroni_py.string()}, {debian_python, patronictl_py.string()}, ""};
}

// The end of a program's output, for an error message (a Python traceback ends with its cause).
std::string last_chars(const std::string &text, size_t count) {
    return text.size() <= count ? text : "..." + text.substr(text.size() - count);
}

}  // namespace

PatroniInstall resolve_patroni(const std::string &path) {
    if (path.empty()) {
        auto patroni = boost::process::search_path("patroni");
        if (patroni.empty())
            throw InfraError(
                "`patroni` is not installed; install the Debian package patroni, or name one with "
                "--patroni PATH");
        return {"", {"patroni"}, {"patronictl"}, ""};
    }
    std::string shown = path.size() > 200 ? path.substr(0, 200) + "..." : path;
    std::error_code error;
    fs::path given = fs::absolute(path, error);
    fs::file_status status = error ? fs::file_status{} : fs::status(given, error);
    if (error || !fs::exists(status))  // a name too long, a directory we may not search: say which
        throw UsageError("--patroni " + shown + ": " +
                         (error && error != std::errc::no_such_file_or_directory
                              ? error.message()
                              : "no such file or directory"));
    if (fs::is_directory(status)) {
        if (std::error_code e; !fs::is_regular_file(given / "patroni.py", e))
            throw UsageError("--patroni " + path +
                             ": a directory must be a Patroni source tree with patroni.py at its top");
        return from_source_tree(path, given / "patroni.py");
    }
    if (given.extension() == ".py") return from_source_tree(path, given);
    if (!executable_file(given))
        throw UsageError("--patroni " + path + ": neither an executable nor a Patroni source tree");
    fs::path patronictl = given.parent_path() / "patronictl";
    if (!executable_file(patronictl))
        throw UsageError("--patroni " + path + ": there is no executable patronictl beside it (" +
                         patronictl.string() + ")");
    return {path, {given.string()}, {patronictl.string()}, ""};
}

std::string patroni_version_from(const std::string &version_output) {
    static const std::regex version(R"(^\s*patroni(?:\.py)?\s+(\d+\.\d+\.\d+\S*)\s*$)",
                                    std::regex::icase | std::regex::multiline);
    std::smatch match;
    return std::regex_search(version_output, match, version) ? match[1].str() : "";
}

void probe_patroni_version(PatroniInstall &install) {
    std::vector<std::string> argv;
    if (::geteuid() == 0)  // as the services run: a tree the postgres user cannot read fails here
        argv = {"setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"};
    argv.insert(argv.end(), install.patroni.begin(), install.patroni.end());
    argv.push_back("--version");
    auto result = run_command(argv, std::chrono::seconds(30));
    std::string version = result.ok() ? patroni_version_from(result.output) : "";
    std::string shown = install.requested.empty() ? "Debian's patroni" : install.requested;
    if (version.empty())
        throw InfraError("Patroni (" + shown + ") does not run" +
                         (::geteuid() == 0 ? " as the postgres user" : std::string()) +
                         ": `--version` exited " + std::to_string(result.exit_code) + ":\n" +
                         last_chars(result.output, 1500));
    install.version = version;
}

}  // namespace drillhost::sandbox
