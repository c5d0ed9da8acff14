#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CStageSpawn
import StudyCore
import StudyStore
import Synchronization
import Dispatch

/// Runs shell stages as child processes (`/bin/sh -c` in the workspace root, stdout and stderr to
/// the stage's log) and built-in stages in-process.
///
/// Each stage runs under a small supervisor (`ProcessSpawner.spawnStage`) in a process group of its
/// own, with every descriptor above stderr closed except the workspace lock: stages die with
/// studyflow on any signal, `kill -9` included, and the lock stays held until the last process of
/// the run is gone, so a rerun started at once waits instead of racing leftovers. `cancelAll`
/// signals the supervisors, which stop their whole groups (SIGTERM, SIGKILL after a grace period).
public final class LocalExecutor: Executor {
    public let name = "local"
    private let children = Mutex<Set<pid_t>>([])
    private let cancelled = Atomic<Bool>(false)
    /// The workspace lock's descriptor, kept open in every stage.
    private let lockDescriptor: Int32?

    /// The environment stages inherit, read once.
    private let inherited: [(name: String, entry: String)]

    /// Creates an executor; stages inherit this process's environment as it is now, and hold
    /// `lock` (the run's workspace lock) while they live.
    public init(holding lock: WorkspaceLock? = nil) {
        lockDescriptor = lock?.descriptor
        var inherited: [(String, String)] = []
        let environment: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = studyflow_environment()
        var index = 0
        while let entry = environment?[index] {
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
        // The flag is set under the lock that registers children, so a stage spawned concurrently
        // either is in the set here or sees the flag when it registers (and stops itself).
        let pids = children.withLock { set in
            cancelled.store(true, ordering: .relaxed)
            return Array(set)
        }
        // Each supervisor forwards SIGTERM to its stage's group and sends SIGKILL after the grace
        // period. A supervisor is never killed itself (its stage's group would outlive it); it is
        // asked again once the grace period is over.
        for pid in pids { _ = studyflow_signal_stage(pid, SIGTERM) }
        let grace = DispatchTime.now() + .seconds(Int(Self.graceSeconds) + 1)
        DispatchQueue.global().asyncAfter(deadline: grace) { [self] in
            for pid in children.withLock({ Array($0) }) { _ = studyflow_signal_stage(pid, SIGTERM) }
        }
    }

    /// Starts the process that forks stage supervisors now, while this process is still small:
    /// every supervisor is then forked from it, not from a studyflow holding a large workflow
    /// (see `CStageSpawn.h`). Without this call the first stage starts it.
    public static func prepareLaunching() {
        studyflow_prepare_stage_spawner()
    }

    /// Ends the process `prepareLaunching` started once every stage it started has exited, so
    /// their CPU time counts as this process's children's (`time`, `--timings`). A later stage
    /// starts a new one.
    public static func finishLaunching() {
        studyflow_finish_stage_spawner()
    }

    /// Seconds a stopped stage has between SIGTERM and SIGKILL.
    static let graceSeconds: UInt32 = 2

    private func runShell(_ command: String, job: StageJob) -> StageOutcome {
        // stdout and stderr go through a pipe and the log file is created only when the stage
        // prints something: most stages print nothing, and creating an empty file per stage was
        // the largest part of studyflow's own cost on a cold run (ext4 inode allocation).
        var fds: [Int32] = [0, 0]
        // Close-on-exec from the start: stage supervisors close every other descriptor anyway,
        // this keeps the pipe out of processes spawned by anything else in this process.
        guard studyflow_cloexec_pipe(&fds) == 0 else {
            return .failed(status: 127, message: "cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        defer { close(readEnd) }
        // A container's runtime runs with the caller's environment (its own configuration, e.g.
        // CONTAINERS_CONF, applies); the stage inside sees only the variables the invocation passes.
        var values = job.environment
        if let container = job.container {
            var current: [String: String] = [:]
            for entry in inherited { current[entry.name] = String(entry.entry.dropFirst(entry.name.utf8.count + 1)) }
            values.merge(container.environment(values: current.merging(job.environment) { $1 })) { $1 }
        }
        var environment = inherited.compactMap { values[$0.name] == nil ? $0.entry : nil }
        for (name, value) in values.sorted(by: { $0.key < $1.key }) { environment.append("\(name)=\(value)") }
        var (path, arguments) = ("/bin/sh", ["sh", "-c", command])
        if let container = job.container {
            let argv = container.arguments(command: command)
            (path, arguments) = (argv[0], argv)
        } else if let sandbox = job.sandbox {
            (path, arguments) = (sandbox.bwrap, sandbox.arguments(command: command))
            environment = sandbox.environment(stage: job.environment, caller: callerVariable)
        }

        let spawned = ProcessSpawner.spawnStage(
            path: path, arguments: arguments, environment: environment,
            directory: job.root, output: writeEnd, inherit: lockDescriptor, graceSeconds: Self.graceSeconds)
        close(writeEnd)
        let pid: pid_t
        switch spawned {
        case .success(let p): pid = p
        case .failure(let error):
            return .failed(status: 127, message: "cannot start \(path): \(String(cString: strerror(error.code)))")
        }
        let stopNow = children.withLock { set in
            set.insert(pid)
            return cancelled.load(ordering: .relaxed)
        }
        if stopNow { _ = studyflow_signal_stage(pid, SIGTERM) }
        copyToLog(from: readEnd, path: job.logPath)
        var status: Int32 = 0
        let waited = studyflow_wait_stage(pid, &status)
        children.withLock { _ = $0.remove(pid) }
        if cancelled.load(ordering: .relaxed) { return .cancelled }
        if waited != 0 {
            return .failed(status: 128 + SIGHUP, message: "its supervisor was lost (the 'sf-launcher' process that starts stages was killed); run the workflow again")
        }
        let exited = status & 0x7F == 0
        if exited {
            let code = (status >> 8) & 0xFF
            return code == 0 ? .succeeded : .failed(status: code, message: "exited with status \(code)")
        }
        let signal = status & 0x7F
        return .failed(status: 128 + signal, message: "killed by signal \(signal)")
    }

    /// The value of `name` in the environment stages inherit.
    private func callerVariable(_ name: String) -> String? {
        inherited.first { $0.name == name }.map { String($0.entry.dropFirst(name.utf8.count + 1)) }
    }

    /// Copies everything from `fd` to the log at `path` until end of file (every holder of the
    /// pipe has exited), opening the log on the first byte.
    private func copyToLog(from fd: Int32, path: String) {
        var log: Int32 = -1
        defer { if log >= 0 { close(log) } }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress!, buffer.count)
            if n < 0 { if errno == EINTR { continue }; return }
            if n == 0 { return }
            if log < 0 { log = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644) }
            if log >= 0 { try? FileIO.writeAll(log, UnsafeRawBufferPointer(rebasing: buffer[0..<n]), path: path) }
        }
    }
}
