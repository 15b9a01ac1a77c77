// The checks on files a root tool trusts: symlinks, non-regular files, loose modes, foreign owners.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <drillhost/core/file_trust.hpp>

#include <fstream>
#include <functional>

#include "temp_dir.hpp"
#include "test_text.hpp"

using namespace drillhost;
namespace fs = std::filesystem;

namespace {

std::string error_of(const std::function<void()> &call) {
    try {
        call();
    } catch (const std::exception &e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("trusted files: a plain file of ours is read, a symlink, a directory, a FIFO are refused") {
    TempDir dir;
    std::ofstream(dir.path() / "target.yaml") << "scope: x\n";
    ::chmod((dir.path() / "target.yaml").c_str(), 0600);
    CHECK(read_trusted_file(dir.path() / "target.yaml", "target file") == "scope: x\n");

    fs::create_symlink(dir.path() / "target.yaml", dir.path() / "link.yaml");
    auto error = error_of([&] { read_trusted_file(dir.path() / "link.yaml", "target file"); });
    CHECK_MESSAGE(
        contains(error, "target file " + (dir.path() / "link.yaml").string() + ": is a symbolic link"),
        error);

    error = error_of([&] { read_trusted_file(dir.path(), "target file"); });
    CHECK_MESSAGE(contains(error, "is a directory"), error);

    ::mkfifo((dir.path() / "fifo").c_str(), 0600);
    error = error_of([&] { read_trusted_file(dir.path() / "fifo", "target file"); });
    CHECK_MESSAGE(contains(error, "is not a regular file"), error);

    error = error_of([&] { read_trusted_file(dir.path() / "missing.yaml", "target file"); });
    CHECK_MESSAGE(contains(error, "No such file or directory"), error);
}

TEST_CASE("trusted files: writable by others, in a directory writable by others, owned by someone else") {
    TempDir dir;
    fs::path file = dir.path() / "ledger.jsonl";
    std::ofstream(file) << "{}\n";
    ::chmod(file.c_str(), 0666);
    auto error = error_of([&] { read_trusted_file(file, "ledger"); });
    CHECK_MESSAGE(contains(error, "writable by group or others (mode 0666"), error);
    CHECK_MESSAGE(contains(error, "chmod go-w"), error);

    ::chmod(file.c_str(), 0600);
    ::chmod(dir.path().c_str(), 0777);
    error = error_of([&] { read_trusted_file(file, "ledger"); });
    CHECK_MESSAGE(contains(error, "ledger's directory"), error);
    CHECK_THROWS_AS(check_trusted_directory(dir.path(), "ledger directory"), UntrustedPath);
    // Sticky and world-writable, like /tmp: may hold a trusted file.
    ::chmod(dir.path().c_str(), 01777);
    CHECK(read_trusted_file(file, "ledger") == "{}\n");
    ::chmod(dir.path().c_str(), 0700);

    if (::geteuid() == 0) {
        REQUIRE(::chown(file.c_str(), 4242, 4242) == 0);
        ::unsetenv("SUDO_UID");
        error = error_of([&] { read_trusted_file(file, "ledger"); });
        CHECK_MESSAGE(contains(error, "owned by someone else (mode 0600, owner uid 4242)"), error);
        // Under sudo, the invoking user's own files are trusted.
        ::setenv("SUDO_UID", "4242", 1);
        CHECK(read_trusted_file(file, "ledger") == "{}\n");
        ::unsetenv("SUDO_UID");
    }
}

TEST_CASE("private directories are created 0700 and narrowed when ours") {
    TempDir dir;
    ensure_private_directory(dir.path() / "state" / "ledger", "ledger directory");
    struct stat st {};
    REQUIRE(::stat((dir.path() / "state" / "ledger").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0700);
    ::chmod((dir.path() / "state" / "ledger").c_str(), 0755);
    ensure_private_directory(dir.path() / "state" / "ledger", "ledger directory");
    REQUIRE(::stat((dir.path() / "state" / "ledger").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0700);
    ::chmod((dir.path() / "state" / "ledger").c_str(), 0777);  // ours, even world-writable: narrowed
    ensure_private_directory(dir.path() / "state" / "ledger", "ledger directory");
    REQUIRE(::stat((dir.path() / "state" / "ledger").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0700);
    // A link where the directory should be is refused, not followed.
    fs::create_directory(dir.path() / "elsewhere");
    fs::create_directory_symlink(dir.path() / "elsewhere", dir.path() / "state" / "runs");
    CHECK_THROWS_AS(ensure_private_directory(dir.path() / "state" / "runs", "run journal directory"),
                    UntrustedPath);
    if (::geteuid() == 0) {  // someone else's directory is refused, never narrowed
        REQUIRE(::chown((dir.path() / "state" / "ledger").c_str(), 4242, 4242) == 0);
        ::chmod((dir.path() / "state" / "ledger").c_str(), 0777);
        CHECK_THROWS_AS(ensure_private_directory(dir.path() / "state" / "ledger", "ledger directory"),
                        UntrustedPath);
        REQUIRE(::stat((dir.path() / "state" / "ledger").c_str(), &st) == 0);
        CHECK((st.st_mode & 07777) == 0777);
    }
}
