// The routing layer of a Pigsty-shaped node, rendered for the embedded cluster: HAProxy's services
// in front of pgbouncer (or PostgreSQL), health-checked on Patroni's REST API, and pgbouncer in
// front of the member's PostgreSQL. Pure text from the cluster's members and a pg_rto plan's check
// intervals, so the files are unit-tested and the supervisor only writes and runs them.
#pragma once

#include <drillhost/core/rto_plan.hpp>
#include <drillhost/sandbox/sandbox_state.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace drillhost::sandbox {

// One of the services HAProxy offers on every node, as Pigsty 4 defines them by default.
struct RoutedService {
    std::string suffix;  // "primary": the proxy is "<cluster>-primary"
    int port;            // where clients connect, on every node
    std::string check;   // Patroni's health endpoint that admits a member ("/primary")
    bool via_pgbouncer;  // to the member's pgbouncer (6432), else straight to PostgreSQL
};

// primary 5433 (/primary, pgbouncer), replica 5434 (/read-only, pgbouncer), default 5436
// (/primary, PostgreSQL), offline 5438 (/replica, PostgreSQL).
const std::vector<RoutedService> &pigsty_services();

inline constexpr int pgbouncer_port = 6432;
// Pigsty's HAProxy admin page (haproxy_exporter_port): `stats uri /haproxy`, basic auth; its CSV
// (`/haproxy;csv`) is `show stat`, which the haproxy probe reads over HTTP.
inline constexpr int haproxy_stats_port = 9101;
// Pigsty's haproxy.cfg: a health check that has not answered in 3 s failed.
inline constexpr double haproxy_check_timeout_s = 3;

struct RoutingFiles {
    std::filesystem::path stats_socket;  // HAProxy's admin socket: `show stat` for the haproxy probe
    std::filesystem::path pgbouncer_auth_file;
    std::filesystem::path pgbouncer_socket_dir;
};

// haproxy.cfg for `self`: every service bound to its address, each server a member, checked on its
// REST port with OPTIONS <check> (HTTPS without verification when the REST API is on TLS).
std::string render_haproxy_cfg(const SandboxState &state, const Member &self, const RtoPlan &plan,
                               const RoutingFiles &files);

// pgbouncer.ini for `self`: on its address, port 6432, every database to its own PostgreSQL,
// transaction pooling as Pigsty's default, md5 against `files.pgbouncer_auth_file`.
std::string render_pgbouncer_ini(const SandboxState &state, const Member &self, const RoutingFiles &files);

// The auth file's line for the superuser ("postgres" "<password>"): pgbouncer's quoting doubles a
// quote inside a value. The caller writes it with mode 0600.
std::string pgbouncer_auth_line(const std::string &user, const std::string &password);

// HAProxy's time format: 2 -> "2s", 0.5 -> "500ms".
std::string haproxy_time(double seconds);

}  // namespace drillhost::sandbox
