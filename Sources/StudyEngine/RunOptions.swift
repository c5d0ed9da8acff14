import StudyCore

/// What the user asked of a run (`studyflow run` flags), independent of the CLI.
public struct RunOptions: Sendable {
    /// Slots for concurrent stages (`-j`).
    public var jobs: Int
    /// Keep running branches that do not depend on a failure (`-k`).
    public var keepGoing: Bool
    /// Run these stages and everything downstream even if up to date (`--force`).
    public var force: [String]
    /// Run every selected stage (`--force-all`).
    public var forceAll: Bool
    /// Run only these stages and their upstream (`--until`, or targets); empty means all.
    public var targets: [String]
    /// Overrides every stage's `retries:` when set (`--retries`).
    public var retries: Int?
    /// `--param K=V` overrides of workflow parameters.
    public var params: [String: JSONValue]
    /// Which stages run under bubblewrap (`sandbox: true`, `--sandbox`) and with which `bwrap`.
    public var sandbox = SandboxSettings()

    /// Defaults: one job per processor, fail fast, nothing forced, every stage.
    public init(jobs: Int = ProcessorCount.online, keepGoing: Bool = false, force: [String] = [], forceAll: Bool = false,
                targets: [String] = [], retries: Int? = nil, params: [String: JSONValue] = [:]) {
        self.jobs = jobs
        self.keepGoing = keepGoing
        self.force = force
        self.forceAll = forceAll
        self.targets = targets
        self.retries = retries
        self.params = params
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The number of online processors, the default for `--jobs`.
public enum ProcessorCount {
    public static var online: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
