// The embedded cluster's routing layer as rendered text (sandbox/routing_config.hpp): Pigsty's four
// services on every member, checked on Patroni's REST port at the plan's intervals, and pgbouncer.
#include <doctest/doctest.h>

#include <drillhost/sandbox/routing_config.hpp>

namespace sb = drillhost::sandbox;

namespace {

sb::SandboxState three_members(bool rest_tls = false) {
    sb::SandboxState state;
    state.options.scope = "pg-test";
    for (int i = 1; i <= 3; ++i) {
        sb::Member m;
        m.name = "pg-test-" + std::to_string(i);
        m.address = "10.213.7.1" + std::to_string(i);
        m.rest_tls = rest_tls;
        m.dir = "/var/lib/drillhost/sandbox/" + m.name;
        state.members.push_back(m);
    }
    state.superuser = "postgres";
    return state;
}

sb::RoutingFiles files_of(const sb::Member &m) {
    return {m.dir / "haproxy.sock", m.dir / "pgbouncer.users", m.dir / "run"};
}

bool contains(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("haproxy.cfg: the four services on the member's address, each member checked on its REST port") {
    auto state = three_members();
    const auto &self = state.members[1];
    auto cfg = sb::render_haproxy_cfg(state, self, *drillhost::named_rto_plan("fast"), files_of(self));
    CHECK(contains(cfg,
                   "stats socket /var/lib/drillhost/sandbox/pg-test-2/haproxy.sock mode 600 level admin\n"));
    CHECK(contains(cfg, "listen pg-test-primary\n    bind 10.213.7.12:5433\n"));
    CHECK(contains(cfg, "listen pg-test-replica\n    bind 10.213.7.12:5434\n"));
    CHECK(contains(cfg, "listen pg-test-default\n    bind 10.213.7.12:5436\n"));
    CHECK(contains(cfg, "listen pg-test-offline\n    bind 10.213.7.12:5438\n"));
    CHECK(contains(cfg, "http-check send meth OPTIONS uri /read-only\n"));
    // The fast plan's intervals: inter 1s, fastinter 0.5s, downinter 1s, rise 3, fall 3.
    CHECK(contains(cfg,
                   "default-server inter 1s fastinter 500ms downinter 1s rise 3 fall 3 "
                   "on-marked-down shutdown-sessions"));
    // primary and replica go to pgbouncer, default and offline straight to PostgreSQL.
    CHECK(contains(cfg, "listen pg-test-primary\n"));
    auto primary = cfg.substr(cfg.find("listen pg-test-primary"),
                              cfg.find("listen pg-test-replica") - cfg.find("listen pg-test-primary"));
    CHECK(contains(primary, "    server pg-test-1 10.213.7.11:6432 check port 8008\n"));
    CHECK(contains(primary, "    server pg-test-3 10.213.7.13:6432 check port 8008\n"));
    auto offline = cfg.substr(cfg.find("listen pg-test-offline"));
    CHECK(contains(offline, "uri /replica\n"));
    CHECK(contains(offline, "    server pg-test-2 10.213.7.12:5432 check port 8008\n"));
}

TEST_CASE("haproxy.cfg: the stats page on the member's address, port 9101, behind the admin's password") {
    auto state = three_members();
    state.haproxy_password = "0123abcd";
    const auto &self = state.members[0];
    auto cfg = sb::render_haproxy_cfg(state, self, *drillhost::named_rto_plan("fast"), files_of(self));
    CHECK(contains(cfg, "listen stats\n    mode http\n    bind 10.213.7.11:9101\n"));
    CHECK(contains(cfg, "    stats uri /haproxy/pg-test-1/\n    stats auth admin:0123abcd\n"));
    CHECK(self.haproxy_stats_url() == "http://10.213.7.11:9101/haproxy/pg-test-1/");
}

TEST_CASE("haproxy.cfg checks over HTTPS when the REST API is on TLS") {
    auto state = three_members(/*rest_tls=*/true);
    auto cfg = sb::render_haproxy_cfg(state, state.members[0], *drillhost::named_rto_plan("norm"),
                                      files_of(state.members[0]));
    CHECK(contains(cfg, "server pg-test-2 10.213.7.12:6432 check port 8008 check-ssl verify none\n"));
    CHECK(contains(cfg, "default-server inter 2s fastinter 1s downinter 2s rise 3 fall 3"));
}

TEST_CASE("pgbouncer.ini: on the member's address and port 6432, to its own PostgreSQL, md5 from a file") {
    auto state = three_members();
    const auto &self = state.members[2];
    auto ini = sb::render_pgbouncer_ini(state, self, files_of(self));
    CHECK(contains(ini, "* = host=10.213.7.13 port=5432\n"));
    CHECK(contains(ini, "listen_addr = 10.213.7.13\nlisten_port = 6432\n"));
    CHECK(
        contains(ini, "auth_type = md5\nauth_file = /var/lib/drillhost/sandbox/pg-test-3/pgbouncer.users\n"));
    CHECK(contains(ini, "pool_mode = transaction\n"));
    CHECK_FALSE(contains(ini, "password"));  // the secret lives in the auth file only
}

TEST_CASE("pgbouncer's auth file doubles a quote inside a value, and HAProxy's time format") {
    CHECK(sb::pgbouncer_auth_line("postgres", "a\"b c") == "\"postgres\" \"a\"\"b c\"\n");
    CHECK(sb::haproxy_time(2) == "2s");
    CHECK(sb::haproxy_time(0.5) == "500ms");
    CHECK(sb::haproxy_time(1.5) == "1500ms");
}
