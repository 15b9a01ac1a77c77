#include <drillhost/sandbox/routing_config.hpp>

#include <cmath>
#include <sstream>

namespace drillhost::sandbox {

const std::vector<RoutedService> &pigsty_services() {
    static const std::vector<RoutedService> services = {
        {"primary", 5433, "/primary", true},
        {"replica", 5434, "/read-only", true},
        {"default", 5436, "/primary", false},
        {"offline", 5438, "/replica", false},
    };
    return services;
}

std::string haproxy_time(double seconds) {
    long ms = std::lround(seconds * 1000);
    return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

std::string render_haproxy_cfg(const SandboxState &state, const Member &self, const RtoPlan &plan,
                               const RoutingFiles &files) {
    const std::string cluster = state.options.scope;
    std::ostringstream cfg;
    // Runs in the foreground under the sandbox's supervisor (haproxy -db), as root inside the
    // member's namespace; nothing is logged but the supervisor's capture of its stderr.
    cfg << "# drillhost sandbox: HAProxy on " << self.name << " (Pigsty's services)\n"
        << "global\n"
        << "    maxconn 1000\n"
        << "    stats socket " << files.stats_socket.string() << " mode 600 level admin\n"
        << "    stats timeout 5s\n\n"
        << "defaults\n"
        << "    mode tcp\n"
        << "    retries 3\n"
        << "    timeout queue 3s\n"
        << "    timeout connect 3s\n"
        << "    timeout client 24h\n"
        << "    timeout server 24h\n"
        << "    timeout check " << haproxy_time(haproxy_check_timeout_s) << "\n\n"
        << "listen stats\n"
        << "    mode http\n"
        << "    bind " << self.address << ":" << haproxy_stats_port << "\n"
        << "    stats enable\n"
        << "    stats uri /haproxy/" << self.name << "/\n"
        << "    stats auth " << state.haproxy_username << ":" << state.haproxy_password << "\n";
    for (const auto &service : pigsty_services()) {
        cfg << "\nlisten " << cluster << "-" << service.suffix << "\n"
            << "    bind " << self.address << ":" << service.port << "\n"
            << "    balance roundrobin\n"
            << "    option httpchk\n"
            << "    http-check send meth OPTIONS uri " << service.check << "\n"
            << "    http-check expect status 200\n"
            << "    default-server inter " << haproxy_time(plan.inter) << " fastinter "
            << haproxy_time(plan.fastinter) << " downinter " << haproxy_time(plan.downinter) << " rise "
            << plan.rise << " fall " << plan.fall
            << " on-marked-down shutdown-sessions slowstart 30s maxconn 3000 maxqueue 128 weight 100\n";
        for (const auto &m : state.members) {
            int port = service.via_pgbouncer ? pgbouncer_port : m.pg_port;
            cfg << "    server " << m.name << " " << m.address << ":" << port << " check port " << m.rest_port
                << (m.rest_tls ? " check-ssl verify none" : "") << "\n";
        }
    }
    return cfg.str();
}

std::string render_pgbouncer_ini(const SandboxState &state, const Member &self, const RoutingFiles &files) {
    std::ostringstream ini;
    ini << ";; drillhost sandbox: pgbouncer on " << self.name << "\n"
        << "[databases]\n"
        << "* = host=" << self.address << " port=" << self.pg_port << "\n\n"
        << "[pgbouncer]\n"
        << "listen_addr = " << self.address << "\n"
        << "listen_port = " << pgbouncer_port << "\n"
        << "unix_socket_dir = " << files.pgbouncer_socket_dir.string() << "\n"
        << "auth_type = md5\n"
        << "auth_file = " << files.pgbouncer_auth_file.string() << "\n"
        << "admin_users = " << state.superuser << "\n"
        << "pool_mode = transaction\n"
        << "max_client_conn = 1000\n"
        << "default_pool_size = 20\n"
        << "server_check_delay = 1\n"
        << "ignore_startup_parameters = extra_float_digits,options\n";
    return ini.str();
}

std::string pgbouncer_auth_line(const std::string &user, const std::string &password) {
    auto quoted = [](const std::string &value) {
        std::string out = "\"";
        for (char c : value) out += c == '"' ? std::string("\"\"") : std::string(1, c);
        return out + "\"";
    };
    return quoted(user) + " " + quoted(password) + "\n";
}

}  // namespace drillhost::sandbox
