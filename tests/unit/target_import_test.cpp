// Target files from a Pigsty inventory or patroni.yml files (cli/target_import.hpp): what each field
// of the target becomes, and a clear error naming the file and key for what is missing or wrong.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>

#include <drillhost/core/errors.hpp>
#include <drillhost/core/rto_plan.hpp>

#include "target_file.hpp"
#include "target_import.hpp"

using nlohmann::json;
namespace cli = drillhost::cli;
using drillhost::parse_rto_plan;

namespace {

std::string inventory(const std::string &name) {
    return std::string(INVENTORY_DIR) + "/" + name;
}

json pigsty(const std::string &file, const std::string &cluster, const cli::SshChoice &ssh = {}) {
    return cli::target_from_pigsty(cli::load_yaml_file(inventory(file), "--pigsty"), cluster, file, ssh);
}

std::string import_error(const std::string &file, const std::string &cluster) {
    try {
        pigsty(file, cluster);
    } catch (const drillhost::UsageError &e) {
        return e.what();
    }
    return "imported";
}

}  // namespace

TEST_CASE("pigsty import: members named <cluster>-<seq>, Pigsty's ports, users, services and plan") {
    json t = pigsty("pigsty-ha.yml", "pg-test");
    CHECK(t["scope"] == "pg-test");
    CHECK(t["namespace"] == "/pg");
    CHECK(t["dcs"] == "etcd3");
    CHECK_FALSE(t.contains("kind"));  // the core's rules: ssh, systemd
    REQUIRE(t["members"].size() == 3);
    const json &m1 = t["members"][0];
    CHECK(m1["name"] == "pg-test-1");
    CHECK(m1["address"] == "10.10.10.11");
    CHECK(m1["rest_url"] == "https://10.10.10.11:8008");  // patroni_ssl_enabled in all.vars
    CHECK(m1["pg_port"] == 5432);
    CHECK(m1["data_dir"] == "/pg/data");
    CHECK(m1["pg_role"] == "primary");
    CHECK(
        m1["routing"]["service_ports"] ==
        json{{"primary", 5433}, {"replica", 5434}, {"default", 5436}, {"offline", 5438}, {"standby", 5435}});
    CHECK(m1["routing"]["pgbouncer_port"] == 6432);
    CHECK(m1["routing"]["stats_url"] == "http://10.10.10.11:9101/haproxy/pg-test-1/");
    // Two of the cluster's hosts run etcd (10.10.10.10 is the infra node).
    CHECK(m1["runs_etcd"] == true);
    CHECK_FALSE(t["members"][2].contains("runs_etcd"));
    CHECK(t["dcs_members"] == json{"pg-test-1", "pg-test-2"});
    CHECK(t["dcs_endpoints"] ==
          json{"https://10.10.10.10:2379", "https://10.10.10.11:2379", "https://10.10.10.12:2379"});
    CHECK(t["dcs_hosts"][0] == "10.10.10.10:2379");
    // Patroni logs in to etcd as the cluster (pg_etcd_password unset: the cluster's name).
    CHECK(t["dcs_auth"] == json{{"username", "pg-test"}, {"password", "pg-test"}});
    CHECK(t["restapi"] ==
          json{{"username", "postgres"}, {"password", "Patroni.API"}, {"cacert", "/etc/pki/ca.crt"}});
    CHECK(t["credentials"]["superuser"] == "dbuser_dba");
    CHECK(t["credentials"]["superuser_password"] == "DBUser.DBA");
    CHECK(t["credentials"]["haproxy_password"] == "pigsty");
    CHECK(t["ssh"] == json{{"user", "dba"}, {"sudo", true}});
    CHECK(t["services"]["patroni"] == "patroni");
    CHECK(t["rto_plan"]["name"] == "fast");  // the cluster's pg_rto
    CHECK(t["rto_plan"]["ttl"] == 20);
    CHECK(t["rto_plan"]["fastinter"] == doctest::Approx(0.5));
    CHECK(t["rto_plan"]["check_timeout"] == 3);
}

TEST_CASE("pigsty import: another cluster, Pigsty's default plan, and the ssh the user chose") {
    json t = pigsty("pigsty-ha.yml", "pg-meta", {"root", "/root/.ssh/pigsty", "/root/.ssh/known_hosts"});
    REQUIRE(t["members"].size() == 1);
    CHECK(t["members"][0]["name"] == "pg-meta-1");
    CHECK(t["rto_plan"]["name"] == "norm");
    CHECK(t["ssh"] ==
          json{{"user", "root"}, {"key", "/root/.ssh/pigsty"}, {"known_hosts", "/root/.ssh/known_hosts"}});
}

TEST_CASE("pigsty import: a cluster that is not there, a missing pg_seq and wrong types name the key") {
    CHECK(import_error("pigsty-ha.yml", "pg-prod") ==
          "pigsty-ha.yml: no cluster \"pg-prod\" under all.children (clusters: pg-meta, pg-test)");
    CHECK(import_error("pigsty-partial.yml", "pg-test") ==
          "pigsty-partial.yml: all.children.pg-test.hosts.10.10.10.12.pg_seq is missing");
    CHECK(import_error("pigsty-wrong-types.yml", "pg-test") ==
          "pigsty-wrong-types.yml: all.children.pg-test.hosts.10.10.10.11.pg_seq: \"one\" is not an integer "
          "from 0 "
          "to 1000000");
    json bad_port = cli::load_yaml_file(inventory("pigsty-wrong-types.yml"), "--pigsty");
    bad_port["all"]["children"]["pg-test"]["hosts"]["10.10.10.11"]["pg_seq"] = 1;
    try {
        cli::target_from_pigsty(bad_port, "pg-test", "t.yml");
        FAIL("imported");
    } catch (const drillhost::UsageError &e) {
        CHECK(std::string(e.what()) ==
              "t.yml: all.children.pg-test.vars.patroni_port: 80080 is not an integer from 1 to 65535");
    }
    json bad_role = bad_port;
    bad_role["all"]["children"]["pg-test"]["vars"].erase("patroni_port");
    bad_role["all"]["children"]["pg-test"]["hosts"]["10.10.10.11"]["pg_role"] = "leader";
    CHECK_THROWS_WITH_AS(cli::target_from_pigsty(bad_role, "pg-test", "t.yml"),
                         "t.yml: all.children.pg-test.hosts.10.10.10.11.pg_role: \"leader\" is not primary, "
                         "replica or offline",
                         drillhost::UsageError);
    json bad_plan = bad_role;
    bad_plan["all"]["children"]["pg-test"]["hosts"]["10.10.10.11"]["pg_role"] = "primary";
    bad_plan["all"]["vars"] = {{"pg_rto", "quick"}};
    CHECK_THROWS_WITH_AS(cli::target_from_pigsty(bad_plan, "pg-test", "t.yml"),
                         "t.yml: all.vars.pg_rto: \"quick\" is not a plan (fast, norm, safe, wide, or one of "
                         "pg_rto_plan's)",
                         drillhost::UsageError);
    json bad_host;
    bad_host["all"]["children"]["pg-test"]["hosts"]["10.0.0.5@evil/x"]["pg_seq"] = 1;
    CHECK_THROWS_WITH_AS(
        cli::target_from_pigsty(bad_host, "pg-test", "t.yml"),
        "t.yml: all.children.pg-test.hosts: \"10.0.0.5@evil/x\" is not an address or a host name",
        drillhost::UsageError);
    CHECK_THROWS_WITH_AS(cli::target_from_pigsty(json{{"all", json::array()}}, "pg-test", "t.yml"),
                         "t.yml: all is not a mapping", drillhost::UsageError);
}

TEST_CASE(
    "pigsty import: pg_rto in seconds maps to the nearest plan with HAProxy checks no faster than Pigsty 3 "
    "used, a custom plan is read") {
    json inv = cli::load_yaml_file(inventory("pigsty-partial.yml"), "--pigsty");
    inv["all"]["children"]["pg-test"]["hosts"]["10.10.10.12"]["pg_seq"] = 2;
    inv["all"]["vars"] = {{"pg_rto", 60}};
    json seconds = cli::target_from_pigsty(inv, "pg-test", "t.yml")["rto_plan"];
    CHECK(seconds["name"] == "pg_rto 60 s: safe, checks no faster than Pigsty 3's");
    CHECK(seconds["ttl"] == 60);  // safe's Patroni timing
    // Pigsty 3 checked with fixed inter 3s fastinter 1s downinter 5s: the routing bound must not be
    // safe's 3 s downinter, which would fail a healthy 3.x cluster.
    CHECK(seconds["inter"] == doctest::Approx(3));
    CHECK(seconds["fastinter"] == doctest::Approx(1.5));
    CHECK(seconds["downinter"] == doctest::Approx(5));
    inv["all"]["vars"] = {{"pg_rto", 30}};
    seconds = cli::target_from_pigsty(inv, "pg-test", "t.yml")["rto_plan"];
    CHECK(seconds["name"] == "pg_rto 30 s: norm, checks no faster than Pigsty 3's");
    CHECK(seconds["inter"] == doctest::Approx(3));
    CHECK(seconds["fastinter"] == doctest::Approx(1));
    CHECK(seconds["downinter"] == doctest::Approx(5));
    // The plan as written reads back as a target's plan.
    CHECK(parse_rto_plan(seconds, "t").downinter == doctest::Approx(5));
    inv["all"]["vars"] = {{"pg_rto", "ultra"},
                          {"pg_rto_plan", {{"ultra", {10, 2, 3, 8, 2, "0.5s", "0.25s", "0.5s", 2, 2}}}}};
    json plan = cli::target_from_pigsty(inv, "pg-test", "t.yml")["rto_plan"];
    CHECK(plan["name"] == "ultra");
    CHECK(plan["ttl"] == 10);
    CHECK(plan["fastinter"] == doctest::Approx(0.25));
}

TEST_CASE("patroni.yml import: one member per node's file, REST and SQL credentials, etcd over TLS") {
    std::vector<json> configs = {cli::load_yaml_file(inventory("patroni-pg-test-1.yml"), "--patroni-yml"),
                                 cli::load_yaml_file(inventory("patroni-pg-test-2.yml"), "--patroni-yml")};
    json t = cli::target_from_patroni_configs(configs, {"a.yml", "b.yml"});
    CHECK(t["scope"] == "pg-test");
    CHECK(t["namespace"] == "/pg/");
    REQUIRE(t["members"].size() == 2);
    CHECK(t["members"][1] == json{{"name", "pg-test-2"},
                                  {"address", "10.10.10.12"},
                                  {"rest_url", "https://10.10.10.12:8008"},
                                  {"pg_port", 5432},
                                  {"data_dir", "/pg/data"}});
    CHECK(t["restapi"] ==
          json{{"username", "postgres"}, {"password", "Patroni.API"}, {"cacert", "/pg/cert/ca.crt"}});
    CHECK(t["credentials"]["superuser_password"] == "12345");  // quoted in the file: a string
    CHECK(t["dcs"] == "etcd3");
    CHECK(t["dcs_endpoints"][2] == "https://10.10.10.12:2379");
    CHECK(t["dcs_tls"]["cacert"] == "/pg/cert/ca.crt");
    CHECK(t["dcs_auth"] == json{{"username", "pg-test"}, {"password", "pg-test"}});  // etcd3's user
    CHECK(t["ssh"] == json{{"user", "root"}});
    // As YAML every string stays a string.
    std::string yaml = cli::target_yaml(t, "a header");
    CHECK(yaml.rfind("# a header\n", 0) == 0);
    CHECK(yaml.find("superuser_password: \"12345\"") != std::string::npos);
}

TEST_CASE("patroni.yml import: files of two clusters, a member twice and a bad address are refused") {
    auto load = [](const std::string &f) { return cli::load_yaml_file(inventory(f), "--patroni-yml"); };
    CHECK_THROWS_WITH_AS(
        cli::target_from_patroni_configs({load("patroni-pg-test-1.yml"), load("patroni-other-scope.yml")},
                                         {"a.yml", "b.yml"}),
        "b.yml: scope \"pg-prod\" is not \"pg-test\" of the files before it", drillhost::UsageError);
    CHECK_THROWS_WITH_AS(
        cli::target_from_patroni_configs({load("patroni-pg-test-1.yml"), load("patroni-pg-test-1.yml")},
                                         {"a.yml", "b.yml"}),
        "b.yml: member \"pg-test-1\" is given twice", drillhost::UsageError);
    json bad = load("patroni-pg-test-1.yml");
    bad["restapi"]["connect_address"] = "10.10.10.11:80800";
    CHECK_THROWS_WITH_AS(cli::target_from_patroni_configs({bad}, {"a.yml"}),
                         "a.yml: restapi.connect_address: \"10.10.10.11:80800\" has no valid port",
                         drillhost::UsageError);
    bad["restapi"].erase("connect_address");
    bad["restapi"]["listen"] = "0.0.0.0:8008";  // where it binds, not where it is reached
    CHECK_THROWS_WITH_AS(cli::target_from_patroni_configs({bad}, {"a.yml"}),
                         "a.yml: restapi.listen: \"0.0.0.0:8008\" names no host to reach (give the node's "
                         "connect_address)",
                         drillhost::UsageError);
    bad["restapi"]["connect_address"] = "10.10.10.11:8008";
    bad["postgresql"]["authentication"]["superuser"]["password"] = 12345;  // unquoted in the file
    CHECK(cli::target_from_patroni_configs({bad}, {"a.yml"})["credentials"]["superuser_password"] == "12345");
    bad["postgresql"]["authentication"]["superuser"]["password"] = json::array({1});
    CHECK_THROWS_WITH_AS(cli::target_from_patroni_configs({bad}, {"a.yml"}),
                         "a.yml: postgresql.authentication.superuser.password: [1] is not a string",
                         drillhost::UsageError);
    bad["postgresql"]["authentication"]["superuser"]["password"] = "12345";
    // TLS: patronictl's CA first; paths and the protocol must be strings, the protocol http(s).
    bad["ctl"] = {{"cacert", "/etc/ctl-ca.crt"}};
    CHECK(cli::target_from_patroni_configs({bad}, {"a.yml"})["restapi"]["cacert"] == "/etc/ctl-ca.crt");
    bad["ctl"]["cacert"] = 7;
    CHECK_THROWS_WITH_AS(cli::target_from_patroni_configs({bad}, {"a.yml"}),
                         "a.yml: ctl.cacert: 7 is not a string", drillhost::UsageError);
    bad.erase("ctl");
    bad["etcd3"]["key"] = json::array({"/a"});
    CHECK_THROWS_WITH_AS(cli::target_from_patroni_configs({bad}, {"a.yml"}),
                         "a.yml: etcd3.key: [\"/a\"] is not a string", drillhost::UsageError);
    bad["etcd3"]["key"] = "/pg/cert/server.key";
    bad["etcd3"]["protocol"] = 443;
    CHECK_THROWS_WITH_AS(cli::target_from_patroni_configs({bad}, {"a.yml"}),
                         "a.yml: etcd3.protocol: 443 is not a string", drillhost::UsageError);
    bad["etcd3"]["protocol"] = "unix";
    CHECK_THROWS_WITH_AS(cli::target_from_patroni_configs({bad}, {"a.yml"}),
                         "a.yml: etcd3.protocol: \"unix\" is not http or https", drillhost::UsageError);
    bad["etcd3"]["protocol"] = "https";
    bad.erase("name");
    CHECK_THROWS_WITH_AS(cli::target_from_patroni_configs({bad}, {"a.yml"}),
                         "a.yml: name is missing or not a string", drillhost::UsageError);
}

TEST_CASE("an imported target, written as YAML, reads back as the same target through --target's checks") {
    json t = pigsty("pigsty-ha.yml", "pg-test");
    char pattern[] = "/tmp/drillhost-unit-import-XXXXXX";
    int fd = ::mkstemp(pattern);
    REQUIRE(fd >= 0);
    std::string yaml = cli::target_yaml(t, "imported");
    REQUIRE(::write(fd, yaml.data(), yaml.size()) == static_cast<ssize_t>(yaml.size()));
    ::close(fd);
    json back = cli::load_target_file(pattern);
    std::remove(pattern);
    CHECK(back == t);
}
