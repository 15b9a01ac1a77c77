// The dcs probe against what a careless target file or a hostile server gives it: values it must
// refuse before any request, naming the key, and an "etcd" that answers garbage, answers too much or
// never answers. A probe that fails exits 3 (docs/probes.md). Only 127.0.0.1 is contacted.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <boost/process.hpp>

#include "process.hpp"
#include "temp_dir.hpp"
#include "test_text.hpp"

namespace fs = std::filesystem;

namespace {

const std::string dcs_plugin = std::string(PLUGINS_DIR) + "/dcs.so";

// A TCP socket bound to 127.0.0.1 on a port the kernel chose (`port`).
int bound_loopback_socket(int &port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0);
    socklen_t size = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &size);
    port = ntohs(address.sin_port);
    return fd;
}

// A server on 127.0.0.1 that answers every connection with `reply` (or holds it open, saying
// nothing, when `reply` is empty), until destroyed.
class FakeServer {
  public:
    explicit FakeServer(std::string reply) : reply_(std::move(reply)) {
        fd_ = bound_loopback_socket(port_);
        ::listen(fd_, 16);
        thread_ = std::thread([this] { serve(); });
    }
    ~FakeServer() {
        stop_ = true;
        ::shutdown(fd_, SHUT_RDWR);
        ::close(fd_);
        thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  private:
    void serve() {
        while (!stop_) {
            int client = ::accept(fd_, nullptr, nullptr);
            if (client < 0) return;
            char request[4096];
            (void)::recv(client, request, sizeof request, 0);
            if (reply_.empty()) {  // silent: hold the connection until the client gives up
                while (!stop_ && ::recv(client, request, sizeof request, 0) > 0) {
                }
            } else {
                for (size_t sent = 0; sent < reply_.size() && !stop_;) {
                    ssize_t n = ::send(client, reply_.data() + sent, reply_.size() - sent, MSG_NOSIGNAL);
                    if (n <= 0) break;
                    sent += static_cast<size_t>(n);
                }
            }
            ::close(client);
        }
    }
    std::string reply_;
    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

std::string http_reply(const std::string &body) {
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

struct Dcs {
    TempDir dir;
    Finished read(const std::string &target_yaml) const {
        fs::path target = dir.path() / "target.yml";
        std::ofstream(target) << target_yaml;
        ::chmod(target.c_str(), 0600);
        return run_drillhost({"--state-dir", (dir.path() / "state").string(), "--load", dcs_plugin, "probe",
                              "dcs", "read", "--target", target.string()},
                             dir.path());
    }
};

}  // namespace

TEST_CASE("dcs probe: endpoints, scope and namespace a request cannot be built from are refused by name") {
    Dcs d;
    auto file = d.read("scope: pg-test\ndcs_endpoints: [\"file:///etc/passwd\"]\n");
    CHECK(file.exit_code == 3);
    CHECK_MESSAGE(contains(file.err, "dcs_endpoints must be http(s) URLs, not \"file:///etc/passwd\""),
                  file.err);
    auto not_list = d.read("scope: pg-test\ndcs_endpoints: http://127.0.0.1:2379\n");
    CHECK(not_list.exit_code == 3);
    CHECK_MESSAGE(contains(not_list.err, "dcs_endpoints must be a list"), not_list.err);
    auto scope = d.read("scope: \"a/../b?x\"\ndcs_endpoints: [\"http://127.0.0.1:9\"]\n");
    CHECK(scope.exit_code == 3);
    CHECK_MESSAGE(contains(scope.err, "the target's scope holds a character"), scope.err);
    auto space = d.read("scope: s\nnamespace: [1]\ndcs_endpoints: [\"http://127.0.0.1:9\"]\n");
    CHECK(space.exit_code == 3);
    CHECK_MESSAGE(contains(space.err, "namespace must be a string"), space.err);
    auto none = d.read("scope: s\n");
    CHECK(none.exit_code == 3);
    CHECK_MESSAGE(contains(none.err, "lists no etcd endpoint"), none.err);
    auto tls = d.read("scope: s\ndcs_endpoints: [\"https://127.0.0.1:9\"]\ndcs_tls: {cacert: [1]}\n");
    CHECK(tls.exit_code == 3);
    CHECK_MESSAGE(contains(tls.err, "dcs_tls.cacert must be a file's path"), tls.err);
    auto tls_list = d.read("scope: s\ndcs_endpoints: [\"https://127.0.0.1:9\"]\ndcs_tls: [a]\n");
    CHECK_MESSAGE(contains(tls_list.err, "dcs_tls must be a mapping"), tls_list.err);
}

TEST_CASE("dcs probe: an etcd that answers garbage, too much or nothing is an error saying so") {
    Dcs d;
    FakeServer garbage(http_reply("<html>not etcd</html>"));
    auto r = d.read("scope: s\ndcs_endpoints: [\"" + garbage.url() + "\"]\n");
    CHECK(r.exit_code == 3);
    CHECK_MESSAGE(contains(r.err, "not an etcd v3 range reply"), r.err);

    FakeServer flood(http_reply(std::string(17 * 1024 * 1024, 'x')));
    auto big = d.read("scope: s\ndcs_endpoints: [\"" + flood.url() + "\"]\n");
    CHECK(big.exit_code == 3);
    CHECK_MESSAGE(contains(big.err, "larger than 16 MiB"), big.err);

    FakeServer silent("");
    auto started = std::chrono::steady_clock::now();
    auto mute = d.read("scope: s\ndcs_endpoints: [\"" + silent.url() + "\"]\n");
    CHECK(mute.exit_code == 3);
    CHECK_MESSAGE(contains(mute.err, "no etcd endpoint answered"), mute.err);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));  // its 1 s deadline
}

namespace {

int free_loopback_port() {
    int port = 0;
    ::close(bound_loopback_socket(port));
    return port;
}

// A real etcd on 127.0.0.1 with its own users, as Pigsty's (Patroni logs in as the cluster's user):
// root, and pg-test with read-write on /pg/pg-test/, auth enabled, a leader key written.
struct EtcdWithUsers {
    TempDir dir;
    int port = free_loopback_port(), peer_port = free_loopback_port();
    std::string url = "http://127.0.0.1:" + std::to_string(port);
    boost::process::child etcd{boost::process::search_path("etcd"),
                               "--name",
                               "auth-test",
                               "--data-dir",
                               (dir.path() / "etcd").string(),
                               "--listen-client-urls",
                               url,
                               "--advertise-client-urls",
                               url,
                               "--listen-peer-urls",
                               "http://127.0.0.1:" + std::to_string(peer_port),
                               "--initial-advertise-peer-urls",
                               "http://127.0.0.1:" + std::to_string(peer_port),
                               "--initial-cluster",
                               "auth-test=http://127.0.0.1:" + std::to_string(peer_port),
                               boost::process::std_out > (dir.path() / "etcd.log").string(),
                               boost::process::std_err > (dir.path() / "etcd.err").string()};
    ~EtcdWithUsers() {
        etcd.terminate();
        etcd.wait();
    }
    int ctl(const std::string &args, const std::string &user = "") const {
        std::string command = "ETCDCTL_API=3 etcdctl --endpoints=" + url +
                              (user.empty() ? "" : " --user=" + user) + " " + args + " >/dev/null 2>&1";
        return std::system(command.c_str());
    }
};

}  // namespace

TEST_CASE(
    "dcs probe: an etcd with users is read with dcs_auth's token, a wrong password is an error naming "
    "the user, never the password") {
    EtcdWithUsers e;
    REQUIRE(eventually([&] { return e.ctl("endpoint health") == 0; }, std::chrono::seconds(20)));
    REQUIRE(e.ctl("user add root --new-user-password=root-secret") == 0);
    REQUIRE(e.ctl("user add pg-test --new-user-password=pg-secret") == 0);
    REQUIRE(e.ctl("role add pg-test") == 0);
    REQUIRE(e.ctl("role grant-permission pg-test readwrite --prefix=true /pg/pg-test/") == 0);
    REQUIRE(e.ctl("user grant-role pg-test pg-test") == 0);
    REQUIRE(e.ctl("put /pg/pg-test/leader pg-test-2") == 0);
    REQUIRE(e.ctl("auth enable") == 0);

    Dcs d;
    const std::string target =
        "scope: pg-test\nnamespace: /pg\ndcs: etcd3\ndcs_endpoints: [\"" + e.url + "\"]\n";
    auto logged_in = d.read(target + "dcs_auth: {username: pg-test, password: pg-secret}\n");
    CHECK_MESSAGE(logged_in.exit_code == 0, logged_in.err);
    CHECK_MESSAGE(contains(logged_in.out, "pg-test-2"), logged_in.out);

    auto anonymous = d.read(target);  // etcd refuses a read without a token
    CHECK(anonymous.exit_code == 3);
    auto wrong = d.read(target + "dcs_auth: {username: pg-test, password: not-the-secret}\n");
    CHECK(wrong.exit_code == 3);
    CHECK_MESSAGE(contains(wrong.err, "etcd refused user pg-test"), wrong.err);
    CHECK_FALSE(contains(wrong.out + wrong.err, "not-the-secret"));
    auto typed = d.read(target + "dcs_auth: {username: pg-test, password: [1]}\n");
    CHECK(typed.exit_code == 3);
    CHECK_MESSAGE(contains(typed.err, "dcs_auth must be a mapping of a username and a password"), typed.err);
}
