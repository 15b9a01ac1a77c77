// The pgbench probe: initialises pgbench's tables and runs pgbench in the background during a drill
// (read-write or --select-only, or a script of your own), against one member or all of them as a
// multi-host conninfo. Its -P progress lines become a timestamped TPS / latency / failures series
// as they arrive; a stop is SIGINT, a bounded wait, then SIGKILL; the exit status is decoded.
#include <signal.h>
#include <sys/prctl.h>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <drillhost/sdk.hpp>

#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "pg_connect.hpp"
#include "pgbench_output.hpp"
#include "pgbench_schemas.hpp"

namespace bp = boost::process;
namespace dh = drillhost::sdk;
using namespace drillhost::probes;
using Clock = std::chrono::steady_clock;

namespace {

// pgbench must not outlive us (a killed drillhost would leave load on the cluster), and must obey
// SIGINT and SIGTERM: a `run` blocks them in every thread, a background shell ignores SIGINT, and
// both a blocked mask and an ignored signal survive exec.
struct ChildSignals : bp::extend::handler {
    template <class Executor>
    void on_exec_setup(Executor &) const {
        for (int signo : {SIGINT, SIGTERM, SIGQUIT}) signal(signo, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
    }
};

// libpq's conninfo quoting: 'value' with \ and ' escaped.
std::string conninfo(const ConnectParams &p) {
    std::string out;
    for (size_t i = 0; i < p.keys.size(); ++i) {
        if (p.keys[i] == "password") continue;  // in PGPASSWORD: a command line is visible to everyone
        std::string value;
        for (char c : p.values[i])
            value += (c == '\'' || c == '\\') ? std::string("\\") + c : std::string(1, c);
        out += (out.empty() ? "" : " ") + p.keys[i] + "='" + value + "'";
    }
    return out;
}

std::string password(const ConnectParams &p) {
    for (size_t i = 0; i < p.keys.size(); ++i)
        if (p.keys[i] == "password") return p.values[i];
    return "";
}

dh::json optional_json(const auto &value) {
    return value ? dh::json(*value) : dh::json(nullptr);
}

dh::json exit_json(int wait_status) {
    auto e = pgbench::decode_exit(wait_status);
    return {{"code", optional_json(e.code)},
            {"signal", e.signal ? dh::json(sigabbrev_np(*e.signal)) : dh::json(nullptr)},
            {"meaning", e.meaning}};
}

// One pgbench in the background: its process, the reader of its output, and what it said.
class BackgroundRun {
  public:
    BackgroundRun(const std::string &program, const std::vector<std::string> &args, bp::environment env,
                  const std::optional<std::string> &script, double origin_host_ms, int stop_timeout_ms)
        : stop_timeout_ms_(stop_timeout_ms), origin_host_ms_(origin_host_ms), origin_(Clock::now()) {
        out_ = std::make_unique<bp::ipstream>();
        if (script) {
            // pgbench -f - reads the script from an unnamed file: nothing to remove, even after a crash.
            script_.reset(std::tmpfile());
            if (!script_)
                throw dh::Error(
                    DH_ERR_FAILED,
                    std::string("cannot create a temporary file for the script: ") + std::strerror(errno));
            std::fputs((*script + "\n").c_str(), script_.get());
            std::rewind(script_.get());
            child_ = bp::child(bp::exe = program, bp::args = args, (bp::std_out & bp::std_err) > *out_,
                               bp::std_in < script_.get(), env, ChildSignals{});
        } else {
            child_ = bp::child(bp::exe = program, bp::args = args, (bp::std_out & bp::std_err) > *out_,
                               bp::std_in < bp::null, env, ChildSignals{});
        }
        reader_ = std::thread([this] { read_output(); });
    }
    ~BackgroundRun() {
        try {
            end_process(std::chrono::milliseconds(stop_timeout_ms_));
        } catch (...) {
        }
    }
    BackgroundRun(const BackgroundRun &) = delete;
    BackgroundRun &operator=(const BackgroundRun &) = delete;

    bool running() { return child_.valid() && child_.running(); }
    int pid() const { return child_.id(); }
    double started_ms() const { return origin_host_ms_; }

  private:
    void read_output() {
        std::string line;
        while (std::getline(*out_, line)) {
            std::lock_guard lock(mutex_);
            if (auto p = pgbench::parse_progress(line)) {
                series_.push_back(
                    {{"t_ms", now_ms()},
                     {"elapsed_s", p->elapsed_s},
                     {"tps", p->tps},
                     {"latency_ms", p->latency_ms},
                     {"stddev_ms", std::isnan(p->stddev_ms) ? dh::json(nullptr) : dh::json(p->stddev_ms)},
                     {"failed", p->failed},
                     {"lag_ms", optional_json(p->lag_ms)}});
            } else if (pgbench::read_summary_line(line, summary_)) {
            } else if (pgbench::is_error(line)) {
                if (pgbench::is_client_abort(line)) ++aborted_;
                if (errors_.size() < 20) errors_.push_back(line);
            }
        }
    }

    // SIGINT, a bounded wait, then SIGKILL; returns the wait status (or -1 if nothing ran).
    int end_process(std::chrono::milliseconds grace) {
        if (!child_.valid()) return -1;
        if (child_.running()) {
            ::kill(child_.id(), SIGINT);
            if (!child_.wait_for(grace)) ::kill(child_.id(), SIGKILL);
        }
        child_.wait();
        int status = child_.native_exit_code();
        if (reader_.joinable()) reader_.join();
        child_ = bp::child();
        script_.reset();
        return status;
    }

  public:
    dh::json stop() {
        bool ended_by_itself = !child_.running();
        int status = end_process(std::chrono::milliseconds(stop_timeout_ms_));
        std::lock_guard lock(mutex_);
        double tps_sum = 0, tps_min = 0;
        int zero_intervals = 0;
        for (size_t i = 0; i < series_.size(); ++i) {
            double tps = series_[i]["tps"];
            tps_sum += tps;
            tps_min = i == 0 ? tps : std::min(tps_min, tps);
            zero_intervals += tps == 0;
        }
        dh::json summary = nullptr;
        if (summary_.complete())
            summary = {{"transaction_type", summary_.transaction_type},
                       {"transactions", *summary_.transactions},
                       {"failed", optional_json(summary_.failed)},
                       {"latency_avg_ms", optional_json(summary_.latency_avg_ms)},
                       {"latency_stddev_ms", optional_json(summary_.latency_stddev_ms)},
                       {"initial_connection_ms", optional_json(summary_.initial_connection_ms)},
                       {"tps", *summary_.tps}};
        return {{"exit", exit_json(status)},
                {"ended_by_itself", ended_by_itself},
                {"series", series_},
                {"tps_mean", series_.empty() ? dh::json(nullptr) : dh::json(tps_sum / series_.size())},
                {"tps_min", series_.empty() ? dh::json(nullptr) : dh::json(tps_min)},
                {"zero_tps_intervals", zero_intervals},
                {"aborted_clients", aborted_},
                {"errors", errors_},
                {"summary", summary},
                {"started_ms", origin_host_ms_},
                {"stopped_ms", now_ms()}};
    }

  private:
    double now_ms() const {
        return origin_host_ms_ + std::chrono::duration<double, std::milli>(Clock::now() - origin_).count();
    }

    bp::child child_;
    std::unique_ptr<bp::ipstream> out_;
    std::thread reader_;
    struct FileCloser {
        void operator()(std::FILE *file) const { std::fclose(file); }
    };
    std::unique_ptr<std::FILE, FileCloser> script_;
    int stop_timeout_ms_ = 5000;
    std::mutex mutex_;
    dh::json series_ = dh::json::array(), errors_ = dh::json::array();
    int aborted_ = 0;
    pgbench::Summary summary_;
    double origin_host_ms_ = 0;
    Clock::time_point origin_;
};

// What init writes in pgbench_accounts' comment: the run that made the tables.
std::string made_by(dh::Host &host) {
    return "made by drillhost run " + host.run_id();
}

}  // namespace

// init creates pgbench's tables, so it is an act with an undo (drop): the host ledgers it and drops
// the tables at the end of the drill, or `recover` does after a crash. The loads (start, run) act on
// the cluster too, but leave nothing: pgbench dies with the probe (PR_SET_PDEATHSIG).
struct PgbenchProbe : dh::Probe {
    static constexpr dh::Info info{
        "org.drillhost.probe.pgbench", "pgbench", "0.2.0",
        "pgbench load in the background: a timestamped TPS / latency / failures series",
        R"({"type": "object"})"};

    static constexpr auto operations() {
        namespace s = drillhost::probes::schemas;
        using Op = dh::Operation<PgbenchProbe>;
        constexpr auto act = dh::Effect::act;
        return std::array{
            Op{"run", act, "start, wait duration_s (or until pgbench ends), stop", s::load_params,
               s::stop_result, &PgbenchProbe::run},
            Op{"init", act,
               "pgbench -i: creates pgbench's tables (refused when they exist); drop removes them",
               s::init_params, s::init_result, &PgbenchProbe::init, "drop"},
            Op{"drop", act, "Removes the tables init created", s::drop_params, s::drop_result,
               &PgbenchProbe::drop},
            Op{"start", act, "Runs pgbench in the background", s::load_params, s::start_result,
               &PgbenchProbe::start},
            Op{"stop", act, "Ends a background run and reports its series", s::stop_params, s::stop_result,
               &PgbenchProbe::stop},
        };
    }

    dh::json run(dh::Host &host, const dh::json &params) {
        start(host, params);
        auto until = Clock::now() + std::chrono::seconds(params.value("duration_s", 10)) +
                     std::chrono::milliseconds(params.value("stop_timeout_ms", 5000));
        while (runs_[params.value("name", "default")]->running() && Clock::now() < until)
            host.sleep(std::chrono::milliseconds(50));
        return stop(host, params);
    }

    // Refuses tables it did not make: pgbench -i would drop and recreate them, and drop remove them.
    dh::json init(dh::Host &host, const dh::json &params) {
        auto conn = connection(host.target(), params);
        if (PQstatus(conn.get()) != CONNECTION_OK)
            throw dh::Error(DH_ERR_UNAVAILABLE, "pgbench init: cannot connect: " + pg_error(conn.get()));
        PgResult found(PQexec(conn.get(),
                              "SELECT string_agg(c.relname, ', ') FROM pg_class c WHERE c.relname IN "
                              "('pgbench_accounts', 'pgbench_branches', 'pgbench_history', "
                              "'pgbench_tellers') AND pg_table_is_visible(c.oid)"),
                       &PQclear);
        if (PQresultStatus(found.get()) != PGRES_TUPLES_OK)
            throw dh::Error(DH_ERR_FAILED, "pgbench init: " + pg_error(found.get()));
        if (!PQgetisnull(found.get(), 0, 0))
            throw dh::Error(
                DH_ERR_INVALID_ARGUMENT,
                std::string("pgbench init: ") + PQgetvalue(found.get(), 0, 0) + " already exist in " +
                    params.value("dbname", "postgres") +
                    ": they are not drillhost's, and pgbench -i would replace them; use another dbname");
        dh::json result =
            pgbench_init(host, params, {"-i", "-q", "-s", std::to_string(params.value("scale", 1))});
        // Marked as this run's, so an undo that never learnt whether init ran (the process died)
        // drops only tables it made, never a user's.
        std::string mark = made_by(host);
        char *literal = PQescapeLiteral(conn.get(), mark.c_str(), mark.size());
        if (literal == nullptr) throw dh::Error(DH_ERR_FAILED, "pgbench init: " + pg_error(conn.get()));
        std::string sql = std::string("COMMENT ON TABLE pgbench_accounts IS ") + literal;
        PQfreemem(literal);
        PgResult comment(PQexec(conn.get(), sql.c_str()), &PQclear);
        if (PQresultStatus(comment.get()) != PGRES_COMMAND_OK)
            throw dh::Error(DH_ERR_FAILED,
                            "pgbench init: marking pgbench_accounts: " + pg_error(comment.get()));
        dh::json where = dh::json::object();
        for (const char *key :
             {"member", "service", "target_session_attrs", "dbname", "connect_timeout_s", "pgbench"})
            if (params.contains(key)) where[key] = params[key];
        result["connection"] = where;
        return result;
    }

    // The undo of init: {"record": init's result} or {"unconfirmed": init's params}. Idempotent:
    // pgbench -i -I d drops the tables if they exist.
    dh::json drop(dh::Host &host, const dh::json &params) {
        bool unconfirmed = !params.contains("record");
        dh::json where = unconfirmed ? params.at("unconfirmed") : params["record"].at("connection");
        if (unconfirmed) {  // init may not have run: only tables marked as this run's go
            auto conn = connection(host.target(), where);
            if (PQstatus(conn.get()) != CONNECTION_OK)
                throw dh::Error(DH_ERR_UNAVAILABLE, "pgbench drop: cannot connect: " + pg_error(conn.get()));
            std::string mark = made_by(host);
            const char *values[] = {mark.c_str()};
            PgResult r(
                PQexecParams(conn.get(),
                             "SELECT obj_description(to_regclass('pgbench_accounts'), 'pg_class') = $1", 1,
                             nullptr, values, nullptr, nullptr, 0),
                &PQclear);
            if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
                throw dh::Error(DH_ERR_FAILED, "pgbench drop: " + pg_error(r.get()));
            if (std::string(PQgetvalue(r.get(), 0, 0)) != "t")
                return {{"ok", true}, {"left", "no pgbench tables marked as this run's"}};
        }
        return pgbench_init(host, where, {"-i", "-I", "d"});
    }

  private:
    struct Invocation {
        std::string program;
        std::string conninfo;
        bp::environment env;
    };

    // Where pgbench connects, as libpq parameters: straight to PostgreSQL, or through a service.
    static ConnectParams connect_params(const dh::json &target, const dh::json &params) {
        auto members = target_members(target, params.value("member", ""));
        std::string dbname = params.value("dbname", "postgres");
        auto p = params.contains("service") ? service_params(target, members, params["service"], dbname)
                                            : members_params(target, members, dbname);
        // Through a service the service picks the member (see the writer: pgbouncer's cached
        // in_hot_standby would fail libpq's read-write check after a promotion).
        p.set("target_session_attrs",
              params.value("target_session_attrs", params.contains("service") ? "any" : "read-write"))
            .set("connect_timeout", std::to_string(params.value("connect_timeout_s", 5)))
            .set("application_name", "drillhost-pgbench");
        return p;
    }

    Invocation invocation(const dh::json &target, const dh::json &params) const {
        auto p = connect_params(target, params);
        Invocation inv{params.value("pgbench", ""), conninfo(p), boost::this_process::environment()};
        if (inv.program.empty()) inv.program = bp::search_path("pgbench").string();
        if (inv.program.empty())
            throw dh::Error(
                DH_ERR_UNAVAILABLE,
                "pgbench is not installed: apt-get install postgresql-client (or pass pgbench=PATH)");
        if (auto pw = password(p); !pw.empty()) inv.env["PGPASSWORD"] = pw;
        return inv;
    }

    // A libpq connection where pgbench would connect.
    PgConnection connection(const dh::json &target, const dh::json &params) const {
        return pg_connect(connect_params(target, params));
    }

    // init and drop: pgbench -i to completion, bounded in time.
    dh::json pgbench_init(dh::Host &host, const dh::json &params, std::vector<std::string> args) {
        auto inv = invocation(host.target(), params);
        args.push_back(inv.conninfo);
        bp::ipstream out;
        auto started = Clock::now();
        bp::child child(bp::exe = inv.program, bp::args = args, (bp::std_out & bp::std_err) > out,
                        bp::std_in < bp::null, inv.env, ChildSignals{});
        std::string output, line;
        std::thread reader([&] {
            while (std::getline(out, line)) output += line + "\n";
        });
        if (!child.wait_for(std::chrono::seconds(params.value("init_timeout_s", 600)))) {
            ::kill(child.id(), SIGKILL);
            child.wait();
        }
        reader.join();
        double seconds = std::chrono::duration<double>(Clock::now() - started).count();
        auto status = exit_json(child.native_exit_code());
        if (status["code"] != 0)
            throw dh::Error(DH_ERR_FAILED, "pgbench " + args[1] + " " + status["meaning"].get<std::string>() +
                                               ": " +
                                               output.substr(output.size() > 600 ? output.size() - 600 : 0));
        return {{"ok", true}, {"seconds", seconds}, {"exit", status}};
    }

  public:
    dh::json start(dh::Host &host, const dh::json &params) {
        std::string name = params.value("name", "default");
        auto &run = runs_[name];
        if (run && run->running())
            throw dh::Error(DH_ERR_INVALID_ARGUMENT,
                            "pgbench run '" + name + "' is already running; stop it first");
        auto inv = invocation(host.target(), params);
        int clients = params.value("clients", 2);
        std::vector<std::string> args = {"-c", std::to_string(clients),
                                         "-j", std::to_string(params.value("jobs", clients)),
                                         "-T", std::to_string(params.value("duration_s", 10)),
                                         "-P", std::to_string(params.value("progress_s", 1)),
                                         "-n"};
        if (params.contains("rate"))
            args.insert(args.end(), {"-R", std::to_string(params["rate"].get<double>())});
        std::optional<std::string> script;
        if (params.contains("script")) {
            script = params["script"].get<std::string>();
            args.insert(args.end(), {"-f", "-"});
        } else {
            args.insert(args.end(), {"-b", params.value("builtin", "tpcb-like")});
        }
        args.push_back(inv.conninfo);
        run.reset();  // a finished run of the same name: its process is reaped first
        run = std::make_unique<BackgroundRun>(inv.program, args, inv.env, script, host.now_ms(),
                                              params.value("stop_timeout_ms", 5000));
        return {{"name", name}, {"pid", run->pid()}, {"started_ms", run->started_ms()}};
    }

    dh::json stop(dh::Host &, const dh::json &params) {
        std::string name = params.value("name", "default");
        auto it = runs_.find(name);
        if (it == runs_.end() || !it->second)
            throw dh::Error(DH_ERR_INVALID_ARGUMENT,
                            "pgbench run '" + name + "' was not started; start it first");
        dh::json result = it->second->stop();
        runs_.erase(it);
        result["name"] = name;
        return result;
    }

  private:
    std::map<std::string, std::unique_ptr<BackgroundRun>> runs_;  // by name
};

DRILLHOST_PLUGIN("pgbench", "0.2.0", PgbenchProbe)
