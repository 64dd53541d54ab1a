// prec_addon: the thin native layer between libbpf and precd. It opens, sizes, loads and attaches
// build/bpf/prec.bpf.o, reads the ring buffer on its own thread and hands record batches to
// JavaScript through a thread-safe function, so the Node event loop never waits on the kernel.
// Record decoding lives in TypeScript (src/daemon/kernel/decoder.ts). The only other export is
// flockExclusive, because Node has no flock(2) and precd's single-instance lock must be a real one.
#include <napi.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <malloc.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <unistd.h>

namespace {

// ---- libbpf log capture: kept so a failed load can explain itself (verifier log included). ----

std::mutex g_log_mutex;
std::string g_log;
constexpr size_t kLogKeep = 64 * 1024;

int CaptureLibbpfLog(enum libbpf_print_level level, const char* fmt, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char line[2048];
  int n = vsnprintf(line, sizeof(line), fmt, args);
  if (n < 0) return 0;
  std::lock_guard<std::mutex> lock(g_log_mutex);
  g_log.append(line, std::min<size_t>(static_cast<size_t>(n), sizeof(line) - 1));
  if (g_log.size() > 2 * kLogKeep) g_log.erase(0, g_log.size() - kLogKeep);
  return 0;
}

std::string TakeLog() {
  std::lock_guard<std::mutex> lock(g_log_mutex);
  std::string out;
  out.swap(g_log);
  // The end of a verifier log says why; its beginning is thousands of instructions.
  constexpr size_t kShow = 12 * 1024;
  if (out.size() > kShow) out = "...\n" + out.substr(out.size() - kShow);
  return out;
}

std::string ErrnoText(int err) { return std::string(strerror(err < 0 ? -err : err)); }

bool Exists(const char* path) { return access(path, F_OK) == 0; }

// ---- fail-fast environment checks, each with the reason and the fix in its message ----

std::string CheckEnvironment() {
  if (!Exists("/sys/kernel/btf/vmlinux"))
    return "kernel BTF is missing (/sys/kernel/btf/vmlinux): precd needs a kernel built with "
           "CONFIG_DEBUG_INFO_BTF=y";
  // A tiny map tells "no permission" from "no bpf()" (the prog-type probe cannot).
  int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, nullptr, 4, 4, 1, nullptr);
  if (fd < 0) {
    int e = errno;
    if (e == EPERM || e == EACCES)
      return "bpf() is not permitted: run precd as root (or with CAP_BPF, CAP_PERFMON and "
             "CAP_SYS_RESOURCE)";
    return "bpf() is not available: " + ErrnoText(e) + " (kernel without CONFIG_BPF_SYSCALL?)";
  }
  close(fd);
  // No prog-type probe here: under load such a probe was seen to fail once while the real load
  // then worked. A kernel that truly lacks tracepoint programs fails the load, whose libbpf log
  // says why.
  // Syscall tracepoints are attached through tracefs (libbpf reads their ids there). Systemd
  // hosts mount it; minimal ones may not, so mount it where the kernel expects it.
  if (!Exists("/sys/kernel/tracing/events") && !Exists("/sys/kernel/debug/tracing/events")) {
    if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nullptr) != 0)
      return "tracefs is not mounted and could not be mounted on /sys/kernel/tracing: " +
             ErrnoText(errno);
  }
  const char* base = Exists("/sys/kernel/debug/tracing/events") ? "/sys/kernel/debug/tracing/events"
                                                                : "/sys/kernel/tracing/events";
  for (const char* tp : {"syscalls/sys_enter_execve", "syscalls/sys_exit_execve",
                         "syscalls/sys_enter_execveat", "syscalls/sys_exit_execveat",
                         "sched/sched_process_exec", "sched/sched_process_exit"}) {
    std::string path = std::string(base) + "/" + tp;
    if (!Exists(path.c_str()))
      return std::string("tracepoint ") + tp + " is missing (" + path +
             "): the kernel needs CONFIG_FTRACE_SYSCALLS=y and sched tracepoints";
  }
  return "";
}

// sched_process_exit gained a group_dead argument in 6.16; older kernels need the program that
// checks signal->live itself. The tracepoint's prototype in the kernel's BTF tells which.
bool ExitTracepointHasGroupDead() {
  struct btf* vmlinux = btf__load_vmlinux_btf();
  if (!vmlinux) return true;  // the load itself will then explain what is wrong
  bool has = true;
  int id = btf__find_by_name_kind(vmlinux, "btf_trace_sched_process_exit", BTF_KIND_TYPEDEF);
  if (id > 0) {
    const struct btf_type* t = btf__type_by_id(vmlinux, btf__type_by_id(vmlinux, id)->type);
    if (t && btf_is_ptr(t)) t = btf__type_by_id(vmlinux, t->type);
    if (t && btf_is_func_proto(t)) has = btf_vlen(t) >= 3;  // (void *, task, group_dead)
  }
  btf__free(vmlinux);
  return has;
}

// ---- the ring buffer, read through a sliding window ----

// libbpf's ring_buffer maps the whole data area twice, back to back, so that a record wrapping
// around the end reads as one piece. The kernel fills such a mapping at mmap() time, so the default
// 16 MiB ring costs 32 MiB of precd's RSS from the first second, idle or not. The kernel's own
// mapping already holds the data pages twice in a row, and mmap may start anywhere in it: a window
// of a few hundred KiB placed at the consumer position therefore reads any record in one piece too,
// and is moved (mmap at the new place, then munmap) when the next record does not fit in it.
// The protocol (positions, BUSY/DISCARD bits, acquire/release) is libbpf's ringbuf_process_ring.
class RingReader {
 public:
  RingReader() = default;
  RingReader(const RingReader&) = delete;
  RingReader& operator=(const RingReader&) = delete;
  ~RingReader() { Close(); }

  // mapFd: the BPF_MAP_TYPE_RINGBUF map; size: its data bytes (max_entries, a power of two).
  std::string Open(int mapFd, uint64_t size) {
    page_ = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    fd_ = mapFd;
    size_ = size;
    mask_ = size - 1;
    void* p = mmap(nullptr, page_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (p == MAP_FAILED) return "mapping the ring buffer's consumer page: " + ErrnoText(errno);
    consumer_ = static_cast<unsigned long*>(p);
    p = mmap(nullptr, page_, PROT_READ, MAP_SHARED, fd_, static_cast<off_t>(page_));
    if (p == MAP_FAILED) return "mapping the ring buffer's producer page: " + ErrnoText(errno);
    producer_ = static_cast<const unsigned long*>(p);
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) return "epoll_create1: " + ErrnoText(errno);
    struct epoll_event ev = {};
    ev.events = EPOLLIN;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd_, &ev) != 0)
      return "watching the ring buffer (epoll_ctl): " + ErrnoText(errno);
    return "";
  }

  bool IsOpen() const { return epoll_ >= 0; }

  // Bytes the kernel has produced and we have not consumed yet (records reserved but not yet
  // committed included): how full the ring is right now. libbpf 1.3's ring__avail_data_size()
  // computes the same from the same two pages; Debian 12 has libbpf 1.1, without it.
  uint64_t Pending() const {
    uint64_t cons = __atomic_load_n(consumer_, __ATOMIC_ACQUIRE);
    uint64_t prod = __atomic_load_n(producer_, __ATOMIC_ACQUIRE);
    return prod > cons ? prod - cons : 0;
  }

  // Waits until the kernel signals data or timeoutMs passes: > 0 woken, 0 timed out, < 0 -errno.
  int Wait(int timeoutMs) {
    struct epoll_event ev;
    int n = epoll_wait(epoll_, &ev, 1, timeoutMs);
    return n < 0 ? -errno : n;
  }

  // Hands every committed record to onSample(data, size) in order, until the ring is empty or
  // onSample returns false (that record is consumed). Returns 1 when stopped by onSample, 0 when
  // empty, < 0 -errno when the window could not be mapped.
  template <typename F>
  int Consume(F&& onSample) {
    uint64_t cons = __atomic_load_n(consumer_, __ATOMIC_ACQUIRE);
    for (;;) {
      uint64_t prod = __atomic_load_n(producer_, __ATOMIC_ACQUIRE);
      if (cons >= prod) return 0;
      while (cons < prod) {
        uint64_t off = cons & mask_;
        const uint8_t* hdr = Window(off, BPF_RINGBUF_HDR_SZ);
        if (!hdr) return -errno;
        uint32_t len = __atomic_load_n(reinterpret_cast<const uint32_t*>(hdr), __ATOMIC_ACQUIRE);
        if (len & BPF_RINGBUF_BUSY_BIT) return 0;  // reserved, not yet committed: next wake-up
        bool discarded = (len & BPF_RINGBUF_DISCARD_BIT) != 0;
        len &= ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
        bool more = true;
        if (!discarded) {
          const uint8_t* rec = Window(off, BPF_RINGBUF_HDR_SZ + len);
          if (!rec) return -errno;
          more = onSample(rec + BPF_RINGBUF_HDR_SZ, static_cast<size_t>(len));
        }
        cons += (static_cast<uint64_t>(len) + BPF_RINGBUF_HDR_SZ + 7) & ~7ull;
        __atomic_store_n(consumer_, cons, __ATOMIC_RELEASE);
        if (!more) return 1;
      }
    }
  }

  void Close() {
    if (window_) munmap(const_cast<uint8_t*>(window_), windowLen_);
    if (producer_) munmap(const_cast<unsigned long*>(producer_), page_);
    if (consumer_) munmap(consumer_, page_);
    if (epoll_ >= 0) close(epoll_);
    window_ = nullptr;
    producer_ = nullptr;
    consumer_ = nullptr;
    epoll_ = -1;
  }

 private:
  // Bytes [off, off + n) of the data area (off < size_, n <= size_), mapped in one piece; the
  // window moves or grows when they are not inside it. nullptr (errno set) when mmap fails.
  const uint8_t* Window(uint64_t off, uint64_t n) {
    if (window_ && off >= windowStart_ && off + n <= windowStart_ + windowLen_)
      return window_ + (off - windowStart_);
    uint64_t start = off & ~(page_ - 1);
    uint64_t need = (off - start + n + page_ - 1) & ~(page_ - 1);
    uint64_t len = std::max(std::min(size_, kWindowBytes), need);
    // Data page k is at file offset 2 pages + k; the kernel maps the data twice, so start + len
    // (at most 2 * size_, since start < size_ and need <= size_ + page) stays inside its mapping.
    void* p = mmap(nullptr, len, PROT_READ, MAP_SHARED, fd_, static_cast<off_t>(2 * page_ + start));
    if (p == MAP_FAILED) return nullptr;
    if (window_) munmap(const_cast<uint8_t*>(window_), windowLen_);
    window_ = static_cast<const uint8_t*>(p);
    windowStart_ = start;
    windowLen_ = len;
    return window_ + (off - start);
  }

  static constexpr uint64_t kWindowBytes = 512 * 1024;

  int fd_ = -1;
  int epoll_ = -1;
  uint64_t page_ = 4096;
  uint64_t size_ = 0;
  uint64_t mask_ = 0;
  unsigned long* consumer_ = nullptr;
  const unsigned long* producer_ = nullptr;
  const uint8_t* window_ = nullptr;
  uint64_t windowStart_ = 0;
  uint64_t windowLen_ = 0;
};

// ---- batches handed to JavaScript ----

struct Batch {
  std::vector<uint8_t> bytes;
  std::vector<uint32_t> offsets;  // start of each record, then the end of the last
  std::string error;              // non-empty: the reader failed
  bool done = false;              // last call: the reader has finished
};

constexpr size_t kBatchBytes = 1 << 20;
constexpr size_t kBatchRecords = 8192;
constexpr int kPollMs = 50;         // the BPF side wakes us only for a backlog; poll this often
constexpr size_t kQueuedBatches = 8;  // JS falling behind blocks the reader, not memory growth

class Collector : public Napi::ObjectWrap<Collector> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Collector",
                       {InstanceMethod<&Collector::Start>("start"),
                        InstanceMethod<&Collector::Stop>("stop"),
                        InstanceMethod<&Collector::DropCount>("dropCount"),
                        InstanceMethod<&Collector::HighWater>("highWater")});
  }

  Collector(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Collector>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber()) {
      Napi::TypeError::New(env, "Collector(objectPath: string, ringBufferBytes: number)")
          .ThrowAsJavaScriptException();
      return;
    }
    std::string path = info[0].As<Napi::String>();
    double ring = info[1].As<Napi::Number>().DoubleValue();
    std::string err = Open(path, ring);
    if (!err.empty()) {
      Close();
      Napi::Error::New(env, err).ThrowAsJavaScriptException();
    }
  }

  ~Collector() override {
    if (reader_.joinable()) {  // environment teardown without stop(): nothing left to deliver to
      aborted_ = true;
      stopping_ = true;
      if (tsfn_) tsfn_.Abort();
      reader_.join();
    }
    Close();
  }

 private:
  std::string Open(const std::string& path, double ringBytes) {
    std::string env_err = CheckEnvironment();
    if (!env_err.empty()) return env_err;
    long page = sysconf(_SC_PAGESIZE);
    auto ring = static_cast<uint64_t>(ringBytes);
    if (ringBytes != static_cast<double>(ring) || ring < static_cast<uint64_t>(page) ||
        (ring & (ring - 1)) != 0 || ring > (1ull << 30))
      return "ringBufferBytes must be a power of two between the page size and 1 GiB";
    if (!Exists(path.c_str())) return "BPF object not found: " + path + " (run `just build-bpf`)";

    TakeLog();
    libbpf_set_print(CaptureLibbpfLog);
    obj_ = bpf_object__open_file(path.c_str(), nullptr);
    if (!obj_) {
      int e = errno;
      obj_ = nullptr;
      return "cannot open BPF object " + path + ": " + ErrnoText(e) + "\n" + TakeLog();
    }
    struct bpf_map* events = bpf_object__find_map_by_name(obj_, "events");
    struct bpf_map* scratch = bpf_object__find_map_by_name(obj_, "scratch");
    drops_ = bpf_object__find_map_by_name(obj_, "drops");
    if (!events || !scratch || !drops_) return "BPF object " + path + " lacks the prec maps";
    int ncpu = libbpf_num_possible_cpus();
    if (ncpu <= 0) return "cannot count possible CPUs: " + ErrnoText(ncpu);
    ncpu_ = ncpu;
    if (bpf_map__set_max_entries(events, static_cast<uint32_t>(ring)) != 0 ||
        bpf_map__set_max_entries(scratch, static_cast<uint32_t>(ncpu)) != 0)
      return "cannot size the BPF maps\n" + TakeLog();
    struct bpf_program* exitNew = bpf_object__find_program_by_name(obj_, "handle_exit");
    struct bpf_program* exitOld = bpf_object__find_program_by_name(obj_, "handle_exit_live");
    if (exitNew && exitOld) {
      bool groupDead = ExitTracepointHasGroupDead();
      bpf_program__set_autoload(exitNew, groupDead);
      bpf_program__set_autoload(exitOld, !groupDead);
    }
    int err = bpf_object__load(obj_);
    if (err) {
      std::string why = ErrnoText(err);
      return "loading the BPF programs failed (" + why + "); libbpf/verifier log:\n" + TakeLog();
    }
    struct bpf_program* prog;
    bpf_object__for_each_program(prog, obj_) {
      if (!bpf_program__autoload(prog)) continue;
      struct bpf_link* link = bpf_program__attach(prog);
      if (!link) {
        int e = errno;
        return std::string("attaching ") + bpf_program__name(prog) + " (" +
               bpf_program__section_name(prog) + ") failed: " + ErrnoText(e) + "\n" + TakeLog();
      }
      links_.push_back(link);
    }
    std::string ringErr = ring_.Open(bpf_map__fd(events), ring);
    if (!ringErr.empty()) return "cannot open the BPF ring buffer: " + ringErr;
    TakeLog();
    return "";
  }

  void Detach() {
    for (struct bpf_link* link : links_) bpf_link__destroy(link);
    links_.clear();
  }

  void Close() {
    Detach();
    uint64_t n;
    if (ReadDrops(&n) == 0) lastDrops_ = n;  // dropCount() stays meaningful after stop()
    ring_.Close();
    if (obj_) bpf_object__close(obj_);
    obj_ = nullptr;
    drops_ = nullptr;
  }

  // ---- reader thread ----

  // Appends one record to the batch; false when the batch is full and must be delivered first.
  bool OnSample(const uint8_t* data, size_t size) {
    Batch& b = *batch_;
    b.offsets.push_back(static_cast<uint32_t>(b.bytes.size()));
    b.bytes.insert(b.bytes.end(), data, data + size);
    return b.bytes.size() < kBatchBytes && b.offsets.size() < kBatchRecords;
  }

  bool Deliver(Batch* b) {
    napi_status st = tsfn_.BlockingCall(b);
    if (st != napi_ok) {
      delete b;
      return false;
    }
    return true;
  }

  void Flush() {
    if (batch_->offsets.empty()) return;
    Batch* full = batch_;
    full->offsets.push_back(static_cast<uint32_t>(full->bytes.size()));
    batch_ = new Batch();
    batch_->bytes.reserve(64 * 1024);
    if (!Deliver(full)) stopping_ = true;
  }

  // The fill level at each wake-up and before each batch (JavaScript falling behind blocks this
  // thread while the kernel goes on producing): its maximum tells how close the ring came to
  // dropping, the metrics file's high-water mark. Two loads of the shared pages: cheap.
  void NoteFill() {
    uint64_t pending = ring_.Pending();
    if (pending > highWater_.load(std::memory_order_relaxed))
      highWater_.store(pending, std::memory_order_relaxed);  // only this thread writes it
  }

  // Consume everything available now, in batches, without sleeping.
  int Drain() {
    for (;;) {
      NoteFill();
      int r = ring_.Consume([this](const uint8_t* data, size_t size) { return OnSample(data, size); });
      Flush();
      if (r <= 0) return r;
    }
  }

  void ReadLoop() {
    batch_ = new Batch();
    std::string error;
    while (!stopping_) {
      int r = ring_.Wait(kPollMs);
      if (r < 0 && r != -EINTR) {
        error = "ring buffer poll failed: " + ErrnoText(r);
        break;
      }
      r = Drain();
      if (r < 0) {
        error = "ring buffer read failed: " + ErrnoText(r);
        break;
      }
    }
    // Probes are detached by now (Stop): whatever is left is the complete tail.
    if (error.empty() && !aborted_) Drain();
    Flush();
    delete batch_;
    batch_ = nullptr;
    if (!aborted_) {
      auto* last = new Batch();
      last->error = error;
      last->done = true;
      Deliver(last);
    }
    tsfn_.Release();
  }

  static void CallJs(Napi::Env env, Napi::Function onBatch, Collector* self, Batch* b) {
    if (env == nullptr || b == nullptr) {
      delete b;
      return;
    }
    if (b->done) {
      if (!b->error.empty() && !self->onError_.IsEmpty())
        self->onError_.Call({Napi::Error::New(env, b->error).Value()});
      delete b;
      return;
    }
    size_t n = b->offsets.size();
    Napi::Buffer<uint8_t> data = Napi::Buffer<uint8_t>::Copy(env, b->bytes.data(), b->bytes.size());
    Napi::Uint32Array offsets = Napi::Uint32Array::New(env, n);
    std::memcpy(offsets.Data(), b->offsets.data(), n * sizeof(uint32_t));
    delete b;
    onBatch.Call({data, offsets});
  }

  static void Finalize(Napi::Env env, void*, Collector* self) {
    if (self->reader_.joinable()) self->reader_.join();
    self->Close();
    if (self->stopDeferred_) {
      self->stopDeferred_->Resolve(env.Undefined());
      delete self->stopDeferred_;
      self->stopDeferred_ = nullptr;
    }
    self->onError_.Reset();
    self->Unref();
  }

  // start(onBatch(data: Buffer, offsets: Uint32Array), onError?(err))
  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ring_.IsOpen() || started_) {
      Napi::Error::New(env, started_ ? "collector already started" : "collector is closed")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (info.Length() < 1 || !info[0].IsFunction()) {
      Napi::TypeError::New(env, "start(onBatch, onError?)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (info.Length() > 1 && info[1].IsFunction())
      onError_ = Napi::Persistent(info[1].As<Napi::Function>());
    started_ = true;
    Ref();  // kept alive until the reader is done
    tsfn_ = TSFN::New(env, info[0].As<Napi::Function>(), "prec-ringbuf", kQueuedBatches, 1, this,
                      &Collector::Finalize, static_cast<void*>(nullptr));
    reader_ = std::thread([this] { ReadLoop(); });
    return env.Undefined();
  }

  // stop(): detach the probes, deliver what is still in the ring buffer, free. Resolves after
  // the last batch has been handed to onBatch.
  Napi::Value Stop(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto deferred = Napi::Promise::Deferred::New(env);
    Napi::Promise promise = deferred.Promise();
    Detach();
    if (!started_ || stopRequested_) {
      if (!started_) Close();
      deferred.Resolve(env.Undefined());
      return promise;
    }
    stopRequested_ = true;
    stopDeferred_ = new Napi::Promise::Deferred(deferred);
    stopping_ = true;
    return promise;
  }

  // Sum of the per-CPU drop counters; 0 on success, else an errno.
  int ReadDrops(uint64_t* out) {
    if (!drops_ || !obj_ || ncpu_ <= 0) return ENOENT;
    std::vector<uint64_t> values(static_cast<size_t>(ncpu_));
    uint32_t key = 0;
    if (bpf_map_lookup_elem(bpf_map__fd(drops_), &key, values.data()) != 0) return errno;
    uint64_t sum = 0;
    for (uint64_t v : values) sum += v;
    *out = sum;
    return 0;
  }

  Napi::Value DropCount(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!drops_ || !obj_) return Napi::Number::New(env, static_cast<double>(lastDrops_));
    uint64_t sum = 0;
    int err = ReadDrops(&sum);
    if (err != 0) {
      Napi::Error::New(env, "reading the drop counter failed: " + ErrnoText(err))
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    lastDrops_ = sum;
    return Napi::Number::New(env, static_cast<double>(sum));
  }

  // The most bytes seen pending in the ring buffer at a wake-up of the reader, since open.
  Napi::Value HighWater(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(highWater_.load(std::memory_order_relaxed)));
  }

  using TSFN = Napi::TypedThreadSafeFunction<Collector, Batch, &Collector::CallJs>;

  struct bpf_object* obj_ = nullptr;
  struct bpf_map* drops_ = nullptr;
  RingReader ring_;
  std::vector<struct bpf_link*> links_;
  int ncpu_ = 0;
  uint64_t lastDrops_ = 0;
  TSFN tsfn_;
  std::thread reader_;
  Batch* batch_ = nullptr;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> aborted_{false};
  std::atomic<uint64_t> highWater_{0};
  bool started_ = false;
  bool stopRequested_ = false;
  Napi::Promise::Deferred* stopDeferred_ = nullptr;
  Napi::FunctionReference onError_;
};

// flockExclusive(fd): true when the exclusive lock was taken, false when another open file
// description holds it; throws on any other error.
Napi::Value FlockExclusive(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "flockExclusive(fd: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  if (flock(fd, LOCK_EX | LOCK_NB) == 0) return Napi::Boolean::New(env, true);
  if (errno == EWOULDBLOCK) return Napi::Boolean::New(env, false);
  Napi::Error::New(env, "flock(" + std::to_string(fd) + "): " + ErrnoText(errno))
      .ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // glibc gives each thread that mallocs its own arena (up to 8 per core), and each keeps the
  // high-water mark of its thread resident. precd's threads (V8's, libuv's, the ring reader) allocate
  // little, so two shared arenas cost nothing measurable and keep ~5 MB out of its RSS under a storm
  // (docs/benchmarks.md, "precd RSS"). Only precd loads this addon.
  mallopt(M_ARENA_MAX, 2);
  exports.Set("Collector", Collector::Init(env));
  exports.Set("flockExclusive", Napi::Function::New(env, FlockExclusive));
  return exports;
}

}  // namespace

NODE_API_MODULE(prec_addon, Init)
