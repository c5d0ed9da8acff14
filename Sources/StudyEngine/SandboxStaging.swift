#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import StudyStore

/// The host side of one sandboxed stage attempt: a fresh, empty staging directory for each
/// parent directory of the stage's outputs (`.studyflow/sandbox/STAGE/N`), mounted there inside
/// the sandbox so the command can create its outputs without seeing their siblings; afterwards
/// the declared outputs are moved into the workspace and everything else the command left in a
/// staging directory is discarded, as a write anywhere else in the workspace fails.
struct SandboxStaging {
    /// `.studyflow/sandbox/STAGE`.
    let directory: String
    /// Absolute workspace root.
    let root: String
    /// The outputs' parent directories, workspace-relative ("" for the root); index N is `directory/N`.
    let parents: [String]

    /// The staging plan for `stage` in the workspace `layout`.
    init(stage: Stage, layout: StoreLayout) {
        directory = layout.sandboxStaging(stage: stage.id)
        root = layout.root
        var parents: [String] = []
        for output in stage.outputs {
            let parent = WorkspacePath.directory(of: output.path) ?? ""
            if !parents.contains(parent) { parents.append(parent) }
        }
        self.parents = parents
    }

    /// The bwrap invocation: `inputs` (the paths the stage key covers) read-only, the staging
    /// directories writable; `passed` names the variables that reach the command.
    func invocation(inputs: [String], bwrap: String, system: [SystemEntry], passed: [String]) -> SandboxInvocation {
        var readOnly: [String] = []
        for input in inputs {
            let path = Self.absolute(input, root: root)
            if !readOnly.contains(path) { readOnly.append(path) }
        }
        let writable = parents.enumerated().map { index, parent in
            SandboxInvocation.WritableMount(source: directory + "/\(index)", target: parent.isEmpty ? root : root + "/" + parent)
        }
        return SandboxInvocation(bwrap: bwrap, root: root, system: system, readOnly: readOnly, writable: writable, passed: passed)
    }

    /// Empties the staging directories (a crashed run may have left some) and creates them.
    func prepare() throws {
        try FileIO.removeTree(directory)
        for index in parents.indices { try FileIO.createDirectories(directory + "/\(index)") }
    }

    /// Moves each output the command wrote from its staging directory to its place in the
    /// workspace, then removes the staging directories. Returns what else the command wrote there
    /// (workspace-relative), which is discarded; `mounted` are the absolute paths bwrap mounted
    /// (its mount points there are not the command's).
    func collect(_ outputs: [Artifact], mounted: [String]) throws -> [String] {
        for output in outputs {
            let parent = WorkspacePath.directory(of: output.path) ?? ""
            guard let index = parents.firstIndex(of: parent) else { continue }
            let staged = directory + "/\(index)/" + WorkspacePath.lastComponent(of: output.path)
            guard FileStat.of(staged) != nil else { continue }
            let target = root + "/" + output.path
            try FileIO.removeTree(target)
            if rename(staged, target) != 0 { throw FileIO.Failure("move the sandbox's output to", target) }
        }
        var discarded: [String] = []
        for (index, parent) in parents.enumerated() {
            let target = parent.isEmpty ? root : root + "/" + parent
            let mountPoints = Set(mounted.compactMap { path -> String? in
                guard path.hasPrefix(target + "/") else { return nil }
                return String(path.dropFirst(target.count + 1).prefix { $0 != "/" })
            })
            for name in (try? FileIO.listDirectory(directory + "/\(index)")) ?? [] where !mountPoints.contains(name) {
                discarded.append(parent.isEmpty ? name : parent + "/" + name)
            }
        }
        try FileIO.removeTree(directory)
        return discarded
    }

    /// After an attempt of `stage` run as `job`: its outputs moved into place, and the warning
    /// for anything else it wrote beside them, if it did.
    func finish(_ stage: Stage, job: StageJob) throws -> String? {
        let mounted = (job.sandbox?.readOnly ?? []) + (job.sandbox?.writable.map(\.target) ?? [])
        return Self.warning(stage: stage.id, discarded: try collect(stage.outputs, mounted: mounted))
    }

    /// The warning for files a sandboxed stage wrote beside its outputs, which were dropped.
    static func warning(stage: String, discarded: [String]) -> String? {
        guard !discarded.isEmpty else { return nil }
        let names = discarded.prefix(3).map { "'\($0)'" }.joined(separator: ", ") + (discarded.count > 3 ? " and \(discarded.count - 3) more" : "")
        return "stage '\(stage)' ran sandboxed and also wrote \(names), not among its outputs, so \(discarded.count == 1 ? "it was" : "they were") discarded; declare \(discarded.count == 1 ? "it" : "them") in 'outputs:' to keep \(discarded.count == 1 ? "it" : "them")"
    }

    /// `path` (workspace-relative, `../…` or absolute) as a clean absolute path.
    static func absolute(_ path: String, root: String) -> String {
        let joined = path.hasPrefix("/") ? path : root + "/" + path
        if case .absolute(let clean, _) = WorkspacePath.normalize(joined) { return clean }
        return joined
    }
}
