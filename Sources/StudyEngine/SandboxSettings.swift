#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore

/// Which stages of a run are sandboxed and what bubblewrap needs from the host: `run --sandbox`,
/// the `bwrap` found on `PATH`, and the system directories to recreate inside.
public struct SandboxSettings: Sendable {
    /// `run --sandbox`: every `run:` stage is sandboxed, whatever its `sandbox:` says.
    public var everyStage: Bool
    /// Absolute path of `bwrap`, or nil when it is not installed.
    public var bwrap: String?
    /// The host's system directories (`SystemEntry.probe()`).
    public var system: [SystemEntry]

    /// Nothing sandboxed unless a stage asks; no `bwrap` known.
    public init(everyStage: Bool = false, bwrap: String? = nil, system: [SystemEntry] = []) {
        self.everyStage = everyStage
        self.bwrap = bwrap
        self.system = system
    }

    /// Whether `stage` runs sandboxed: a host `run:` stage with `sandbox: true`, or any host `run:`
    /// stage under `run --sandbox`. Built-in stages run inside studyflow and container stages in
    /// their image: neither is sandboxed.
    public func applies(to stage: Stage) -> Bool {
        // A container already isolates its stage: only host `run:` stages are sandboxed.
        guard case .shell = stage.action, stage.container == nil else { return false }
        return everyStage || stage.sandbox
    }

    /// Settings for a run of `stages`, with `bwrap` looked up on `searchPath`; throws before
    /// anything runs when a stage would be sandboxed and `bwrap` is missing.
    public static func resolve(everyStage: Bool, stages: [Stage], searchPath: String) throws(SandboxError) -> SandboxSettings {
        let bwrap = ProgramSearch.first("bwrap", on: searchPath)
        // Probed whenever bwrap is there: stages of a data-driven fan-out appear only mid-run.
        let settings = SandboxSettings(everyStage: everyStage, bwrap: bwrap, system: bwrap == nil ? [] : SystemEntry.probe())
        if bwrap == nil, let first = stages.first(where: settings.applies) {
            throw everyStage ? SandboxError.bwrapMissingForFlag : SandboxError.bwrapMissing(stage: first.id)
        }
        return settings
    }
}

/// Why sandboxed stages cannot run; raised before anything runs.
public enum SandboxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stage has `sandbox: true` (its own or the workflow's) and `bwrap` is not on `PATH`.
    case bwrapMissing(stage: String)
    /// `run --sandbox` and `bwrap` is not on `PATH`.
    case bwrapMissingForFlag

    public var description: String {
        switch self {
        case .bwrapMissing(let stage):
            return "stage '\(stage)' runs sandboxed ('sandbox: true'), but 'bwrap' (bubblewrap) is not on PATH; install it ('apt-get install bubblewrap') or drop 'sandbox:'"
        case .bwrapMissingForFlag:
            return "'--sandbox' runs every 'run:' stage under bubblewrap, but 'bwrap' is not on PATH; install it ('apt-get install bubblewrap') or run without '--sandbox'"
        }
    }
}
