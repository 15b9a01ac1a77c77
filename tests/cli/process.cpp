#include "process.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <boost/process.hpp>
#include <fstream>
#include <sstream>

namespace bp = boost::process;
namespace fs = std::filesystem;

static std::string slurp(const fs::path &path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

struct DrillhostProcess::Impl {
    fs::path out_file, err_file;
    bp::child child;
};

DrillhostProcess::DrillhostProcess(const std::vector<std::string> &args, const fs::path &work_dir)
    : DrillhostProcess(DRILLHOST_BIN, args, work_dir) {}

DrillhostProcess::DrillhostProcess(const std::string &program, const std::vector<std::string> &args,
                                   const fs::path &work_dir)
    : impl_(std::make_unique<Impl>()) {
    static int counter = 0;
    std::string tag = std::to_string(::getpid()) + "-" + std::to_string(++counter);
    impl_->out_file = work_dir / ("stdout-" + tag);
    impl_->err_file = work_dir / ("stderr-" + tag);
    impl_->child = bp::child(bp::exe = program, bp::args = args, bp::std_out > impl_->out_file.string(),
                             bp::std_err > impl_->err_file.string(), bp::std_in < bp::null,
                             bp::start_dir = work_dir.string());
}

DrillhostProcess::~DrillhostProcess() {
    if (impl_->child.valid() && impl_->child.running()) {
        ::kill(impl_->child.id(), SIGKILL);
        impl_->child.wait();
    }
}

int DrillhostProcess::pid() const {
    return impl_->child.id();
}

void DrillhostProcess::send(int signo) const {
    ::kill(impl_->child.id(), signo);
}

Finished DrillhostProcess::wait(std::chrono::milliseconds limit) {
    // Boost.Process 1.74's wait_for is unreliable: poll running() instead.
    eventually([&] { return !impl_->child.running(); }, limit);
    if (impl_->child.running()) ::kill(impl_->child.id(), SIGKILL);
    impl_->child.wait();
    Finished finished;
    int status = impl_->child.native_exit_code();
    if (WIFEXITED(status)) finished.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) finished.signal = WTERMSIG(status);
    finished.out = slurp(impl_->out_file);
    finished.err = slurp(impl_->err_file);
    return finished;
}

Finished run_drillhost(const std::vector<std::string> &args, const fs::path &work_dir,
                       std::chrono::milliseconds limit) {
    DrillhostProcess process(args, work_dir);
    return process.wait(limit);
}

Finished run_program(const std::string &program, const std::vector<std::string> &args,
                     const fs::path &work_dir, std::chrono::milliseconds limit) {
    DrillhostProcess process(program, args, work_dir);
    return process.wait(limit);
}
