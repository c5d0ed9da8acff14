import StudyCore
import StudyEngine
import Synchronization

/// An executor that never spawns a process: for each job it writes the stage's outputs itself,
/// deterministically from the stage id, its parameters and its inputs' bytes, and remembers which
/// stages it ran. Tests choose stages that fail, or give a stage custom behaviour.
public final class FakeExecutor: Executor {
    public let name = "fake"
    private let workflow: Workflow
    private let root: String
    private let calls = Mutex<[String]>([])
    private let failing: Set<String>
    private let behaviours: [String: @Sendable (FakeJob) -> StageOutcome]

    /// What a custom behaviour sees.
    public struct FakeJob: Sendable {
        public var stage: Stage
        public var root: String
        public var job: StageJob
        /// Writes `text` to the output named `name` (or at index `name` for positional outputs).
        public func write(output name: String, _ text: String) {
            let artifact = stage.outputs.first { $0.name == name } ?? stage.outputs[Int(name)!]
            try! FileIO.writeAtomically(root + "/" + artifact.path, Array(text.utf8), durable: false)
        }
    }

    /// A fake for `workflow` in `root`; stages in `failing` exit 1; `behaviours` replace the default.
    public init(workflow: Workflow, root: String, failing: Set<String> = [],
                behaviours: [String: @Sendable (FakeJob) -> StageOutcome] = [:]) {
        self.workflow = workflow
        self.root = root
        self.failing = failing
        self.behaviours = behaviours
    }

    /// Stage ids executed so far, in order of execution (attempts counted separately).
    public var executed: [String] { calls.withLock { $0 } }

    public func execute(_ job: StageJob) -> StageOutcome {
        calls.withLock { $0.append(job.stage) }
        guard let stage = workflow.stages.first(where: { $0.id == job.stage }) else {
            return .failed(status: 127, message: "fake executor: no stage '\(job.stage)'")
        }
        if let behaviour = behaviours[job.stage] { return behaviour(FakeJob(stage: stage, root: root, job: job)) }
        if failing.contains(job.stage) { return .failed(status: 1, message: "exited with status 1") }
        var text = "stage \(stage.id)\n"
        for (name, value) in job.environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("STUDYFLOW_PARAM_") {
            text += "\(name)=\(value)\n"
        }
        if case .shell(let command) = job.action { text += "command \(command)\n" }
        for input in stage.inputs { text += "input \(input.path): " + (FileIO.readText(root + "/" + input.path) ?? "<missing>") }
        for output in stage.outputs {
            let path = root + "/" + output.path
            if output.isDirectory {
                try? FileIO.createDirectories(path)
                try! FileIO.writeAtomically(path + "/part-1.txt", Array(text.utf8), durable: false)
            } else {
                try! FileIO.writeAtomically(path, Array(text.utf8), durable: false)
            }
        }
        return .succeeded
    }

    public func cancelAll() {}
}
