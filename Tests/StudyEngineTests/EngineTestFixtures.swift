#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import StudyEngine
import Synchronization
import _StudyTestSupport

/// Every stage of `WorkflowFixtures.diamond`, sorted as `RunSummary.ids` sorts.
let diamondStages = ["clean", "join", "left", "right"]

/// `WorkflowFixtures.diamond` with `left`'s command quoted, so that its `# scale ${params.scale}`
/// stays part of the command: unquoted, YAML reads ` # …` as a comment and `left` never refers to
/// `scale` (see `RerunRhythmTests.fixtureRefersToScale`).
let diamondYAML = WorkflowFixtures.diamond.replacing(
    "run: cat ${inputs.table} > ${outputs.out} # scale ${params.scale}",
    with: "run: \"cat ${inputs.table} > ${outputs.out} # scale ${params.scale}\"")

extension TestWorkspace {
    /// A diamond workspace (with `left` referring to `${params.scale}`) and its source files.
    static func diamond() -> TestWorkspace {
        TestWorkspace(yaml: diamondYAML, files: WorkflowFixtures.diamondFiles)
    }

    /// A fake executor for the current workflow text.
    func fake(failing: Set<String> = [],
              behaviours: [String: @Sendable (FakeExecutor.FakeJob) -> StageOutcome] = [:]) throws -> FakeExecutor {
        FakeExecutor(workflow: try compile().workflow, root: directory.path, failing: failing, behaviours: behaviours)
    }

    /// Runs with a fresh fake executor and returns it typed, so tests can read `executed`.
    @discardableResult
    func runFake(_ options: RunOptions = RunOptions(jobs: 2), failing: Set<String> = [],
                 behaviours: [String: @Sendable (FakeExecutor.FakeJob) -> StageOutcome] = [:]) throws
        -> (summary: RunSummary, executor: FakeExecutor) {
        let executor = try fake(failing: failing, behaviours: behaviours)
        let summary = try run(options, executor: executor).summary
        return (summary, executor)
    }
}

/// Counts stages running at once inside fake behaviours: the largest number seen, and which
/// stages overlapped which.
final class ConcurrencyProbe: Sendable {
    private struct State {
        var running: Set<String> = []
        var maximum = 0
        var overlaps: [String: Set<String>] = [:]
    }

    private let state = Mutex(State())

    /// The largest number of stages seen running at once.
    var maximum: Int { state.withLock { $0.maximum } }

    /// The stages that were running at some moment while `stage` ran.
    func overlaps(of stage: String) -> Set<String> { state.withLock { $0.overlaps[stage] ?? [] } }

    /// A behaviour that enters, sleeps `milliseconds`, writes the default-looking output and leaves.
    func behaviour(milliseconds: Int = 50) -> @Sendable (FakeExecutor.FakeJob) -> StageOutcome {
        { job in
            self.enter(job.stage.id)
            usleep(useconds_t(milliseconds * 1000))
            self.leave(job.stage.id)
            for output in job.stage.outputs { job.write(output: output.name ?? "0", "stage \(job.stage.id)\n") }
            return .succeeded
        }
    }

    private func enter(_ stage: String) {
        state.withLock { s in
            for other in s.running {
                s.overlaps[stage, default: []].insert(other)
                s.overlaps[other, default: []].insert(stage)
            }
            s.running.insert(stage)
            s.maximum = max(s.maximum, s.running.count)
        }
    }

    private func leave(_ stage: String) {
        _ = state.withLock { $0.running.remove(stage) }
    }
}

/// A workflow of `n` independent stages `w0…w(n-1)`, each reading `data/in.txt`.
func wideWorkflow(_ n: Int) -> String {
    "name: wide\nstages:\n" + wideStages(0..<n)
}

/// Stages `w(i)` for `i` in `ids`, each reading `data/in.txt` and writing `out/w(i).txt`.
func wideStages(_ ids: Range<Int>) -> String {
    var yaml = ""
    for i in ids {
        yaml += "  w\(i):\n    run: cat ${inputs} > ${outputs.out}\n    inputs: [data/in.txt]\n    outputs: {out: out/w\(i).txt}\n"
    }
    return yaml
}

/// Every regular file under `root` (relative paths, sorted), skipping `.studyflow/` and `Workflows/`.
func outputFiles(under root: String) throws -> [String: [UInt8]] {
    var result: [String: [UInt8]] = [:]
    var stack = [""]
    while let relative = stack.popLast() {
        let absolute = relative.isEmpty ? root : root + "/" + relative
        for name in try FileIO.listDirectory(absolute) {
            let child = relative.isEmpty ? name : relative + "/" + name
            if child == ".studyflow" || child == "Workflows" { continue }
            var st = stat()
            guard lstat(root + "/" + child, &st) == 0 else { continue }
            if st.st_mode & S_IFMT == S_IFDIR { stack.append(child) } else { result[child] = FileIO.read(root + "/" + child) }
        }
    }
    return result
}
