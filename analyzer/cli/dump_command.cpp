// SPDX-License-Identifier: MIT
/// @brief `memprof dump`: every decoded record as one line of text (golden tests, bug reports).
#include <CLI/CLI.hpp>
#include <iomanip>
#include <iostream>

#include "commands.h"
#include "memprof/reader/log_reader.h"

namespace memprof::cli {

namespace {

class DumpSink : public reader::EventSink {
 public:
  explicit DumpSink(std::ostream& out) : m_out(out) { m_out << std::hex; }
  void onProcess(const reader::ProcessInfo& p) override {
    m_out << "process pid=" << std::dec << p.pid << " ppid=" << p.ppid << " exe=" << p.exe
          << " argv=";
    for (const auto& a : p.argv) m_out << '[' << a << ']';
    m_out << std::hex << '\n';
  }
  void onThreadStart(std::uint32_t stream, std::uint64_t tid) override {
    m_out << "thread stream=" << std::dec << stream << " tid=" << tid << std::hex << '\n';
  }
  void onStackNode(const reader::StackNode& n) override {
    m_out << "node id=" << std::dec << n.id << " parent=" << n.parent << " gen=" << n.generation
          << std::hex << " ip=0x" << n.ip << '\n';
  }
  void onModules(const reader::ModuleSnapshot& s) override {
    m_out << "modules gen=" << std::dec << s.generation << " count=" << s.modules.size() << std::hex
          << '\n';
    for (const auto& m : s.modules) {
      m_out << "  module base=0x" << m.base << " path=" << m.path << " build-id=";
      for (unsigned char c : m.buildId)
        m_out << std::setw(2) << std::setfill('0') << static_cast<unsigned>(c);
      m_out << std::setfill(' ') << '\n';
    }
  }
  void onHeapEvent(const reader::HeapEvent& e) override {
    m_out << (e.kind == reader::HeapEventKind::Alloc ? "alloc" : "free") << " seq=" << std::dec
          << e.seq << " t=" << e.timeUs << "us stream=" << e.stream
          << " fn=" << format::allocFnName(e.fn) << std::hex << " ptr=0x" << e.ptr;
    if (e.kind == reader::HeapEventKind::Alloc)
      m_out << std::dec << " size=" << e.size << " stack=" << e.stack << std::hex;
    m_out << '\n';
  }
  void onRss(std::uint64_t t, std::uint64_t bytes) override {
    m_out << "rss t=" << std::dec << t << "us bytes=" << bytes << std::hex << '\n';
  }
  void onPeakRss(std::uint64_t bytes) override {
    m_out << "peak-rss bytes=" << std::dec << bytes << std::hex << '\n';
  }
  void onSample(const reader::Sample& s) override {
    m_out << "sample t=" << std::dec << s.timeUs << "us stream=" << s.stream << " stack=" << s.stack
          << " weight=" << s.weight << std::hex << '\n';
  }
  void onSamplerInfo(const reader::SamplerInfo& i) override {
    m_out << "sampler requested=" << std::dec << i.requestedHz << " achieved=" << i.achievedHz
          << " clock=" << (i.clock == 0 ? "cpu" : "wall") << " note=" << i.note << std::hex << '\n';
  }
  void onExit(const reader::ExitInfo& e) override {
    static const char* kinds[] = {"exited", "signaled", "exec"};
    m_out << "exit " << kinds[static_cast<int>(e.kind)] << " value=" << std::dec << e.value
          << " t=" << e.timeUs << "us" << std::hex << '\n';
  }
  void onLeakVerdicts(const std::vector<reader::LeakVerdict>& v) override {
    static const char* kinds[] = {"definite", "indirect", "possible", "reachable"};
    for (const auto& x : v)
      m_out << "leak-kind ptr=0x" << x.ptr << ' ' << kinds[static_cast<int>(x.kind)] << '\n';
  }

 private:
  std::ostream& m_out;
};

}  // namespace

int dumpCommand(int argc, char** argv) {
  CLI::App app{"Print every record of a log as one line of text", "memprof dump"};
  std::string log;
  app.add_option("LOG", log, "the log")->required();
  CLI11_PARSE(app, argc, argv);
  DumpSink sink(std::cout);
  reader::ReadSummary summary;
  try {
    summary = reader::readLog(log, sink);
  } catch (const reader::LogError& e) {
    throw AnalysisError(log + ": " + e.what());
  }
  std::cout << std::dec << "# blocks=" << summary.blocks << " records=" << summary.records
            << " heap-events=" << summary.heapEvents << (summary.truncated ? " truncated" : "")
            << '\n';
  return 0;
}

}  // namespace memprof::cli
