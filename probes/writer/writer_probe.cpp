// The writer probe: libpq clients that commit small sequenced rows through a multi-host connection
// with target_session_attrs=read-write, reconnect at once on any error, and record every
// acknowledged commit with its monotonic time and WAL position. From that ledger: RTO, longest gap,
// failed commits, and (verify) the acknowledged ids missing on the final primary; into the journal,
// the run per 100 ms and per timeline (writer_evidence.hpp). With a service, some clients write
// through the members' HAProxy as the cluster's own clients do, and stop reports each route apart:
// the unavailability a client of the service sees beside the one a direct client sees.
//
// Its table is something it creates, so start and run are acts with an undo (drop): the host
// ledgers the table before it exists and drops it at the end of the drill, or `recover` does after a
// crash. Tables are named drillhost_writer_<run>_<n>, so an undo that never learnt the name (the
// process died before start returned) drops exactly the tables of its run.
#include <drillhost/sdk.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <iterator>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "pg_connect.hpp"
#include "writer_evidence.hpp"
#include "writer_ledger.hpp"
#include "writer_schemas.hpp"

namespace dh = drillhost::sdk;
using Clock = std::chrono::steady_clock;

using namespace drillhost::probes;

namespace {

// The target's members as one read-write multi-host connection (libpq picks the primary), straight
// to PostgreSQL or, with `service`, through that service of every member's HAProxy. Through a
// service the service picks, as it does for the cluster's own clients: libpq's read-write check
// would read pgbouncer's cached in_hot_standby, which stays "on" in a pool opened while the new
// primary was a replica, and refuse it ("session is read-only") long after the promotion.
PgConnection connect_primary(const dh::json &target, int connect_timeout_s, const std::string &service = "") {
    auto params = service.empty() ? members_params(target, target_members(target))
                                  : service_params(target, target_members(target), service);
    params.set("target_session_attrs", service.empty() ? "read-write" : "any")
        .set("connect_timeout", std::to_string(connect_timeout_s));
    return pg_connect(params.set("application_name", "drillhost-writer"));
}

void exec_or_throw(PGconn *conn, const std::string &sql) {
    PgResult r(PQexec(conn, sql.c_str()), &PQclear);
    auto status = PQresultStatus(r.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        throw dh::Error(DH_ERR_FAILED, sql.substr(0, 60) + ": " + PQresultErrorMessage(r.get()));
}

// The primary's current timeline: the first 8 hex digits of its WAL file name (0 if it cannot say).
uint32_t timeline_of(PGconn *conn) {
    PgResult r(
        PQexec(conn, "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int"),
        &PQclear);
    if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) != 1) return 0;
    return static_cast<uint32_t>(std::strtoul(PQgetvalue(r.get(), 0, 0), nullptr, 10));
}

// The run's part of a table name: its id in lower-case letters and digits ("20261125t203420517z5605").
std::string run_tag(const std::string &run_id) {
    std::string tag;
    for (char c : run_id)
        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))
            tag += c;
        else if (c >= 'A' && c <= 'Z')
            tag += static_cast<char>(c - 'A' + 'a');
    return tag.substr(0, 30);  // PostgreSQL cuts names at 63 bytes
}

}  // namespace

struct WriterProbe : dh::Probe {
    static constexpr dh::Info info{
        "org.drillhost.probe.writer", "writer", "0.2.0",
        "Commits sequenced rows and keeps a ledger of acknowledged commits: RTO, gaps, lost writes",
        R"({"type": "object"})"};

    static constexpr auto operations() {
        namespace s = drillhost::probes::schemas;
        using Op = dh::Operation<WriterProbe>;
        constexpr auto act = dh::Effect::act;
        return std::array{
            Op{"run", act, "start, wait duration_s, stop, verify", s::run_params, s::run_result,
               &WriterProbe::run, "drop"},
            Op{"start", act, "Creates the writer's table and starts the clients", s::start_params,
               s::start_result, &WriterProbe::start, "drop"},
            Op{"stop", act, "Stops the clients; RTO, gaps and failed commits; journals the series and WAL",
               s::stop_params, s::stop_result, &WriterProbe::stop},
            Op{"verify", dh::Effect::observe, "The acknowledged commits missing on the final primary",
               s::verify_params, s::verify_result, &WriterProbe::verify},
            Op{"drop", act, "Drops the table start or run created", s::drop_params, s::drop_result,
               &WriterProbe::drop},
        };
    }

    ~WriterProbe() override { stop_clients(); }

    dh::json run(dh::Host &host, const dh::json &params) {
        dh::json started = start(host, params);
        host.sleep(std::chrono::milliseconds(static_cast<int64_t>(params.value("duration_s", 10.0) * 1000)));
        dh::json result = stop(host, params);
        result["verify"] = verify(host, params);
        result["table"] = started["table"];
        return result;
    }

    dh::json start(dh::Host &host, const dh::json &params) {
        if (running_)
            throw dh::Error(DH_ERR_INVALID_ARGUMENT, "the writer is already running; stop it first");
        target_ = host.target();
        service_ = params.value("service", "");
        direct_clients_ = params.value("clients", 2);
        service_clients_ = params.value("service_clients", service_.empty() ? 0 : 2);
        if (service_clients_ > 0 && service_.empty())
            throw dh::Error(DH_ERR_INVALID_ARGUMENT, "service_clients needs a service to write through");
        if (direct_clients_ + service_clients_ == 0)
            throw dh::Error(DH_ERR_INVALID_ARGUMENT, "no client: clients and service_clients are both 0");
        if (!service_.empty()) service_params(target_, target_members(target_), service_);  // offered?
        std::random_device random;
        table_ = "drillhost_writer_" + run_tag(host.run_id()) + "_" + std::to_string(random() % 1000000);
        auto conn = connect_primary(target_, 5);
        if (PQstatus(conn.get()) != CONNECTION_OK)
            throw dh::Error(DH_ERR_UNAVAILABLE, "writer: no writable member: " + pg_error(conn.get()));
        exec_or_throw(conn.get(),
                      "CREATE TABLE " + table_ +
                          " (id bigint PRIMARY KEY, client int NOT NULL, t_client_ms double precision)");
        acks_.clear();
        failures_.clear();
        next_id_ = 0;
        origin_host_ms_ = host.now_ms();
        origin_ = Clock::now();
        running_ = true;
        int clients = direct_clients_ + service_clients_;
        double rate = params.value("rate_hz", 200.0);
        // Clients 0 .. direct_clients_ - 1 connect straight to PostgreSQL, the others through the service.
        for (int c = 0; c < clients; ++c) threads_.emplace_back([this, c, rate] { client_loop(c, rate); });
        return {{"table", table_},
                {"clients", clients},
                {"started_ms", origin_host_ms_},
                {"service", service_.empty() ? dh::json(nullptr) : dh::json(service_)}};
    }

    dh::json stop(dh::Host &host, const dh::json &params) {
        stop_clients();
        double stopped_ms = now_ms();
        std::lock_guard lock(mutex_);
        // Without a fault time (an operator causing the fault by hand), the fault is taken to be
        // where the longest outage began: the last acknowledged commit before it.
        double fault_ms = origin_host_ms_;
        std::string fault_source = "given";
        if (params.contains("fault_ms")) {
            fault_ms = params["fault_ms"];
        } else {
            fault_ms = analyse(acks_, failures_, origin_host_ms_).longest_gap_start_ms;
            fault_source = "start of the longest gap (no fault_ms given)";
        }
        auto a = analyse(acks_, failures_, fault_ms, params.value("min_timeline", 0u));
        dh::json first_errors = dh::json::array();
        for (size_t i = 0; i < failures_.size() && i < 5; ++i) first_errors.push_back(failures_[i].error);
        dh::json routes = dh::json::array();
        for (bool through_service : {false, true}) {
            if (through_service && service_.empty()) continue;
            auto on_route = [&](int client) { return (client >= direct_clients_) == through_service; };
            std::vector<Ack> route_acks;
            std::vector<FailedCommit> route_failures;
            std::copy_if(acks_.begin(), acks_.end(), std::back_inserter(route_acks),
                         [&](const Ack &a) { return on_route(a.client); });
            std::copy_if(failures_.begin(), failures_.end(), std::back_inserter(route_failures),
                         [&](const FailedCommit &f) { return on_route(f.client); });
            auto r = analyse(route_acks, route_failures, fault_ms, params.value("min_timeline", 0u));
            routes.push_back({{"route", through_service ? "service:" + service_ : std::string("direct")},
                              {"clients", through_service ? service_clients_ : direct_clients_},
                              {"acknowledged", r.acknowledged},
                              {"failed_commits", r.failed},
                              {"rto_ms", r.rto_ms ? dh::json(*r.rto_ms) : dh::json(nullptr)},
                              {"longest_gap_ms", r.longest_gap_ms},
                              {"longest_gap_start_ms", r.longest_gap_start_ms}});
        }
        dh::json wal = writer_wal(acks_);
        // The evidence, for whatever reads the journal later (reports, re-checks).
        dh::json series = writer_series(acks_, failures_, origin_host_ms_, stopped_ms);
        series["table"] = table_;
        host.event("writer.series", series);
        wal["table"] = table_;
        host.event("writer.wal", wal);
        return {{"acknowledged", a.acknowledged},
                {"failed_commits", a.failed},
                {"failed_before_fault", a.failed_before_fault},
                {"rto_ms", a.rto_ms ? dh::json(*a.rto_ms) : dh::json(nullptr)},
                {"longest_gap_ms", a.longest_gap_ms},
                {"longest_gap_start_ms", a.longest_gap_start_ms},
                {"ack_interval_p50_ms", a.ack_interval_p50_ms},
                {"ack_interval_p99_ms", a.ack_interval_p99_ms},
                {"fault_ms", fault_ms},
                {"fault_source", fault_source},
                {"first_errors", first_errors},
                {"timelines", wal["timelines"]},
                {"routes", routes}};
    }

    // Reads the final primary only once it is out of recovery, or loss would be over-reported.
    dh::json verify(dh::Host &host, const dh::json &params) {
        if (table_.empty()) throw dh::Error(DH_ERR_INVALID_ARGUMENT, "the writer has not run");
        auto deadline =
            Clock::now() +
            std::chrono::milliseconds(static_cast<int64_t>(params.value("verify_timeout_s", 60.0) * 1000));
        std::string last_error;
        while (Clock::now() < deadline) {
            auto conn = connect_primary(target_, 2);
            if (PQstatus(conn.get()) == CONNECTION_OK) {
                PgResult r(PQexec(conn.get(),
                                  ("SELECT id FROM " + table_ + " WHERE NOT pg_is_in_recovery()").c_str()),
                           &PQclear);
                if (PQresultStatus(r.get()) == PGRES_TUPLES_OK) {
                    std::vector<uint64_t> present;
                    for (int i = 0; i < PQntuples(r.get()); ++i)
                        present.push_back(std::stoull(PQgetvalue(r.get(), i, 0)));
                    return loss_report(params, present, pg_server(conn.get()), false);
                }
                // The promoted primary never saw the table: every acknowledged row is lost (a
                // failover to a replica that was not streaming), which is an answer, not an error.
                const char *state = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
                if (state && std::string(state) == "42P01")
                    return loss_report(params, {}, pg_server(conn.get()), true);
                last_error = PQresultErrorMessage(r.get());
            } else {
                last_error = pg_error(conn.get());
            }
            host.sleep(std::chrono::milliseconds(200));
        }
        throw dh::Error(DH_ERR_UNAVAILABLE, "verify: no promoted primary answered in time: " + last_error);
    }

    // The undo of start and run: {"record": {"table": ...}}, or {"unconfirmed": ...} when the table's
    // name was never returned: then every table of this run. Waits for a writable primary (the
    // drill may have just failed it over); idempotent (IF EXISTS).
    dh::json drop(dh::Host &host, const dh::json &params) {
        std::vector<std::string> tables;
        std::string pattern;
        if (params.contains("record"))
            tables.push_back(params["record"].at("table"));
        else
            pattern = "drillhost_writer_" + run_tag(host.run_id()) + "_%";
        dh::json target = host.target();
        auto deadline = Clock::now() + std::chrono::seconds(60);
        std::string last_error;
        for (;;) {
            auto conn = connect_primary(target, 2);
            if (PQstatus(conn.get()) == CONNECTION_OK) {
                try {
                    if (!pattern.empty()) tables = tables_like(conn.get(), pattern);
                    for (const auto &table : tables)
                        exec_or_throw(conn.get(), "DROP TABLE IF EXISTS " + table);
                    return {{"dropped", tables}, {"primary", pg_server(conn.get())}};
                } catch (const dh::Error &e) {
                    last_error = e.what();
                }
            } else {
                last_error = pg_error(conn.get());
            }
            if (Clock::now() >= deadline)
                throw dh::Error(DH_ERR_UNAVAILABLE, "drop: no writable primary in 60 s: " + last_error);
            host.sleep(std::chrono::milliseconds(500));
        }
    }

  private:
    static std::vector<std::string> tables_like(PGconn *conn, const std::string &pattern) {
        const char *values[] = {pattern.c_str()};
        PgResult r(
            PQexecParams(conn,
                         "SELECT quote_ident(relname) FROM pg_class WHERE relkind = 'r' AND relname LIKE $1 "
                         "AND pg_table_is_visible(oid)",
                         1, nullptr, values, nullptr, nullptr, 0),
            &PQclear);
        if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
            throw dh::Error(DH_ERR_FAILED,
                            std::string("listing the writer's tables: ") + PQresultErrorMessage(r.get()));
        std::vector<std::string> names;
        for (int i = 0; i < PQntuples(r.get()); ++i) names.emplace_back(PQgetvalue(r.get(), i, 0));
        return names;
    }

    double now_ms() const {
        return origin_host_ms_ + std::chrono::duration<double, std::milli>(Clock::now() - origin_).count();
    }

    void client_loop(int client, double rate_hz) {
        PgConnection conn(nullptr, &PQfinish);
        uint32_t timeline = 0;
        auto period =
            rate_hz > 0 ? std::chrono::duration<double>(1.0 / rate_hz) : std::chrono::duration<double>(0);
        auto next = Clock::now();
        while (running_) {
            if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
                conn = connect_primary(target_, 2, client < direct_clients_ ? std::string() : service_);
                if (PQstatus(conn.get()) != CONNECTION_OK) {
                    record_failure(client, "connect: " + pg_error(conn.get()));
                    conn.reset();
                    std::this_thread::sleep_for(
                        std::chrono::milliseconds(5));  // no hot spin while nobody answers
                    continue;
                }
                timeline = timeline_of(conn.get());  // a primary's timeline holds while it stays primary
            }
            uint64_t id = ++next_id_;
            // The WAL position comes back with the insert: no extra round trip per commit.
            std::string sql = "INSERT INTO " + table_ + " VALUES (" + std::to_string(id) + ", " +
                              std::to_string(client) + ", " + std::to_string(now_ms()) +
                              ") RETURNING pg_current_wal_insert_lsn()";
            PgResult r(PQexec(conn.get(), sql.c_str()), &PQclear);
            if (PQresultStatus(r.get()) == PGRES_TUPLES_OK && PQntuples(r.get()) == 1) {
                uint64_t lsn = parse_lsn(PQgetvalue(r.get(), 0, 0)).value_or(0);
                std::lock_guard lock(mutex_);
                acks_.push_back({id, client, now_ms(), lsn, timeline});
            } else {
                record_failure(client, PQresultErrorMessage(r.get()));
                conn.reset();  // reconnect at once: the primary may have moved
            }
            if (rate_hz > 0) {
                next += std::chrono::duration_cast<Clock::duration>(period);
                std::this_thread::sleep_until(next);
            }
        }
    }

    void record_failure(int client, std::string error) {
        while (!error.empty() && error.back() == '\n') error.pop_back();
        std::lock_guard lock(mutex_);
        failures_.push_back({client, now_ms(), error});
    }

    void stop_clients() {
        running_ = false;
        for (auto &t : threads_) t.join();
        threads_.clear();
    }

    dh::json loss_report(const dh::json &params, const std::vector<uint64_t> &present,
                         const std::string &server, bool table_missing) {
        std::lock_guard lock(mutex_);
        auto lost = lost_ids(acks_, present);
        dh::json sample = dh::json::array();
        for (size_t i = 0; i < lost.size() && i < 100; ++i) sample.push_back(lost[i]);
        dh::json after = nullptr;  // lost acks at or after params.after_ms
        if (params.contains("after_ms"))
            after = acknowledged_after(acks_, lost, params["after_ms"].get<double>());
        dh::json report = {{"lost", lost.size()},
                           {"lost_after", after},
                           {"lost_ids", sample},
                           {"rows_on_primary", present.size()},
                           {"acknowledged", acks_.size()},
                           {"primary", server},
                           {"table_missing", table_missing}};
        if (params.contains("switch_lsn")) report["wal_loss"] = wal_loss_report(params, lost);
        return report;
    }

    dh::json wal_loss_report(const dh::json &params, const std::vector<uint64_t> &lost) const {
        uint64_t switch_lsn = parse_lsn(params["switch_lsn"]).value_or(0);
        std::optional<uint64_t> published;
        if (params.contains("published_lsn")) published = parse_lsn(params["published_lsn"]);
        WalLoss loss = wal_loss(acks_, lost, switch_lsn, published);
        auto part = [&](size_t writes, uint64_t bytes) {
            return published ? dh::json{{"writes", writes}, {"bytes", bytes}} : dh::json(nullptr);
        };
        return {{"switch_lsn", format_lsn(switch_lsn)},
                {"published_lsn", published ? dh::json(format_lsn(*published)) : dh::json(nullptr)},
                {"last_lost_lsn",
                 loss.last_lost_lsn ? dh::json(format_lsn(loss.last_lost_lsn)) : dh::json(nullptr)},
                {"writes", loss.writes},
                {"bytes", loss.bytes},
                {"behind_published", part(loss.writes_behind_published, loss.bytes_behind_published)},
                {"after_published", part(loss.writes_after_published, loss.bytes_after_published)},
                {"last_lost_ms", loss.last_lost_ms >= 0 ? dh::json(loss.last_lost_ms) : dh::json(nullptr)}};
    }

    dh::json target_;
    std::string service_;     // the service clients' route ("" without one)
    int direct_clients_ = 0;  // clients below this index connect straight to PostgreSQL
    int service_clients_ = 0;
    std::string table_;
    std::atomic<bool> running_{false};
    std::atomic<uint64_t> next_id_{0};
    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::vector<Ack> acks_;
    std::vector<FailedCommit> failures_;
    double origin_host_ms_ = 0;
    Clock::time_point origin_;
};

DRILLHOST_PLUGIN("writer", "0.2.0", WriterProbe)
