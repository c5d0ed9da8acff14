#if canImport(Glibc)
import Glibc
#endif
import StudyCore
import Synchronization
import Dispatch

/// Runs shell stages as child processes (`/bin/sh -c` in the workspace root, stdout and stderr to
/// the stage's log) and built-in stages in-process.
///
/// Children are spawned with `posix_spawn` in their own process group, with every descriptor above
/// stderr closed, so a stage never inherits the lock or a log of another stage; `cancelAll` signals
/// whole groups, so a stage's own children stop too.
public final class LocalExecutor: Executor {
    public let name = "local"
    private let children = Mutex<Set<pid_t>>([])
    private let cancelled = Atomic<Bool>(false)

    /// The environment stages inherit, read once.
    private let inherited: [(name: String, entry: String)]

    /// Creates an executor; stages inherit this process's environment as it is now.
    public init() {
        var inherited: [(String, String)] = []
        var index = 0
        while let entry = environ[index] {
            let text = String(cString: entry)
            inherited.append((String(text.prefix { $0 != "=" }), text))
            index += 1
        }
        self.inherited = inherited
    }

    public func execute(_ job: StageJob) -> StageOutcome {
        if cancelled.load(ordering: .relaxed) { return .cancelled }
        switch job.action {
        case .shell(let command):
            return runShell(command, job: job)
        case .builtin(let kind, let context):
            let outcome = kind.run(context)
            return cancelled.load(ordering: .relaxed) ? .cancelled : outcome
        }
    }

    public func cancelAll() {
        cancelled.store(true, ordering: .relaxed)
        let pids = children.withLock { Array($0) }
        for pid in pids { kill(-pid, SIGTERM) }
        // Anything that ignores SIGTERM gets SIGKILL after a grace period.
        let grace = DispatchTime.now() + .seconds(3)
        DispatchQueue.global().asyncAfter(deadline: grace) { [self] in
            for pid in children.withLock({ Array($0) }) { kill(-pid, SIGKILL) }
        }
    }

    private func runShell(_ command: String, job: StageJob) -> StageOutcome {
        let logFD = open(job.logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard logFD >= 0 else {
            return .failed(status: 127, message: "cannot open log '\(job.logPath)': \(String(cString: strerror(errno)))")
        }
        defer { close(logFD) }
        var environment = inherited.compactMap { job.environment[$0.name] == nil ? $0.entry : nil }
        for (name, value) in job.environment.sorted(by: { $0.key < $1.key }) { environment.append("\(name)=\(value)") }

        let spawned = ProcessSpawner.spawn(
            path: "/bin/sh", arguments: ["sh", "-c", command], environment: environment,
            directory: job.root, stdout: logFD, stderr: logFD)
        let pid: pid_t
        switch spawned {
        case .success(let p): pid = p
        case .failure(let error):
            return .failed(status: 127, message: "cannot start /bin/sh: \(String(cString: strerror(error.code)))")
        }
        children.withLock { _ = $0.insert(pid) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        children.withLock { _ = $0.remove(pid) }
        if cancelled.load(ordering: .relaxed) { return .cancelled }
        let exited = status & 0x7F == 0
        if exited {
            let code = (status >> 8) & 0xFF
            return code == 0 ? .succeeded : .failed(status: code, message: "exited with status \(code)")
        }
        let signal = status & 0x7F
        return .failed(status: 128 + signal, message: "killed by signal \(signal)")
    }
}

/// `posix_spawn` with the two glibc extensions Swift's Glibc module hides: change directory and
/// close every inherited descriptor above stderr.
enum ProcessSpawner {
    static func spawn(path: String, arguments: [String], environment: [String], directory: String,
                      stdout: Int32, stderr: Int32) -> Result<pid_t, SpawnError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        _ = studyflow_addclosefrom(&actions, 3)
        _ = studyflow_addchdir(&actions, directory)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Own process group (for group-wide cancellation) and default signal handling in the child.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGPIPE)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        return rc == 0 ? .success(pid) : .failure(SpawnError(code: rc))
    }
}

/// `posix_spawn` failed with this errno.
struct SpawnError: Error {
    var code: Int32
}

@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func studyflow_addclosefrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32

@_silgen_name("posix_spawn_file_actions_addchdir_np")
private func studyflow_addchdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: UnsafePointer<CChar>) -> Int32
