#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the validator needs to know about the workspace on disk; tests pass an in-memory one.
public protocol PathProbe: Sendable {
    /// Whether a source path (relative to the root, or absolute) exists.
    func exists(_ path: String) -> Bool
    /// Whether writing to the relative `path` stays inside the workspace once symlinks are followed.
    func staysInside(_ path: String) -> Bool
    /// The relative `path` with the symbolic links of its existing part resolved, or `nil` when it
    /// leaves the workspace; reserved paths are checked under both spellings.
    func resolve(_ path: String) -> String?
    /// The workspace-relative form of an absolute path, or of a relative one climbing out with `..`,
    /// that lands inside the workspace (e.g. the workflow file or an input named by an absolute
    /// path), or `nil` when it lies outside.
    func workspacePath(ofOutside path: String) -> String?
}

extension PathProbe {
    /// Without a disk, a path is what it says.
    public func resolve(_ path: String) -> String? { staysInside(path) ? path : nil }
    /// Without a disk, no absolute path is known to lie in the workspace.
    public func workspacePath(ofOutside path: String) -> String? { nil }
}

/// Checks that need the whole workflow or the disk: duplicate and nested outputs, outputs escaping
/// through symlinks, inputs nobody writes, dependency cycles. Returns the stage graph when clean.
public struct WorkflowValidator: Sendable {
    /// How the disk is consulted.
    public var probe: any PathProbe

    /// Creates a validator over `probe`.
    public init(probe: any PathProbe) { self.probe = probe }

    /// The graph of a valid workflow, or every diagnostic found.
    public func validate(_ workflow: Workflow) throws(WorkflowDiagnostics) -> StageGraph {
        var diagnostics: [Diagnostic] = []
        var writers: [String: (stage: String, artifact: Artifact)] = [:]
        var directoryWriters: [String: String] = [:]
        for stage in workflow.stages {
            for output in stage.outputs {
                if let first = writers[output.path] {
                    diagnostics.append(Diagnostic(
                        "output '\(output.displayPath)' of stage '\(stage.id)' is also written by stage '\(first.stage)' (line \(first.artifact.location.line)); give one of them another path",
                        at: output.location))
                } else {
                    writers[output.path] = (stage.id, output)
                    if output.isDirectory { directoryWriters[output.path] = stage.id }
                }
                if !probe.staysInside(output.path) {
                    diagnostics.append(Diagnostic(
                        "output '\(output.displayPath)' of stage '\(stage.id)' leaves the workspace through a symbolic link; write it to a real directory inside the workspace",
                        at: output.location))
                }
            }
        }
        for stage in workflow.stages {
            for output in stage.outputs {
                for parent in WorkspacePath.parents(of: output.path) {
                    if let owner = directoryWriters[parent], owner != stage.id {
                        diagnostics.append(Diagnostic(
                            "output '\(output.displayPath)' of stage '\(stage.id)' lies inside directory output '\(parent)/' of stage '\(owner)'; two stages may not write the same path",
                            at: output.location))
                    } else if let owner = writers[parent], !owner.artifact.isDirectory {
                        diagnostics.append(Diagnostic(
                            "output '\(output.displayPath)' of stage '\(stage.id)' lies inside file output '\(parent)' of stage '\(owner.stage)'; a file cannot hold other files: give one of them another path",
                            at: output.location))
                    }
                }
            }
        }
        let rules = OutputPathRules(workflow: workflow, probe: probe).check()
        diagnostics += rules.diagnostics
        let graph: StageGraph
        switch StageGraph.build(workflow) {
        case .success(let built):
            graph = built
        case .failure(let cycle):
            let first = workflow.stages[cycle.stages[0]]
            diagnostics.append(Diagnostic(cycle.message(in: workflow), at: first.location))
            throw WorkflowDiagnostics(diagnostics)
        }
        let producedPaths = Array(writers.keys)
        for (id, stage) in workflow.stages.enumerated() {
            for (i, input) in stage.inputs.enumerated() where graph.inputProducers[id][i] < 0 && !rules.ownReads.contains([id, i]) {
                if !probe.exists(input.path) {
                    diagnostics.append(Self.missingInput(input, stage: stage.id, hint: Spelling.hint(for: input.path, among: producedPaths)))
                }
            }
        }
        if !diagnostics.isEmpty { throw WorkflowDiagnostics(diagnostics) }
        return graph
    }
}

extension WorkflowValidator {
    /// `input 'data/raw.csv' of stage 'clean' does not exist and no stage writes it`, plus `hint`.
    public static func missingInput(_ input: Artifact, stage: String, hint: String = "") -> Diagnostic {
        Diagnostic("input '\(input.displayPath)' of stage '\(stage)' does not exist and no stage writes it\(hint)", at: input.location)
    }
}

/// The real disk, under a workspace root.
public struct DiskPathProbe: PathProbe {
    /// Absolute path of the workspace root.
    public let root: String

    /// Probes paths under `root` (made absolute and symlink-free by the caller).
    public init(root: String) { self.root = root }

    public func exists(_ path: String) -> Bool {
        let full = path.hasPrefix("/") ? path : root + "/" + path
        return access(full, F_OK) == 0
    }

    public func resolve(_ path: String) -> String? {
        var candidate = path
        var rest: [Substring] = []
        while true {
            let full = root + "/" + candidate
            var st = stat()
            if lstat(full, &st) == 0 {
                guard let real = FileIO.realPath(full) else { return nil }
                let base: String
                if real == root { base = "" }
                else if real.hasPrefix(root == "/" ? "/" : root + "/") { base = String(real.dropFirst(root == "/" ? 1 : root.count + 1)) }
                else { return nil }
                return ([base] + rest.reversed().map(String.init)).filter { !$0.isEmpty }.joined(separator: "/")
            }
            guard let parent = WorkspacePath.directory(of: candidate) else {
                return path
            }
            rest.append(Substring(WorkspacePath.lastComponent(of: candidate)))
            candidate = parent
        }
    }

    public func workspacePath(ofOutside path: String) -> String? {
        let absolute = path.hasPrefix("/") ? path : root + "/" + path
        let real = FileIO.realPath(absolute) ?? absolute
        let prefix = root == "/" ? "/" : root + "/"
        guard real.hasPrefix(prefix), case .inside(let relative, _) = WorkspacePath.normalize(String(real.dropFirst(prefix.count))) else {
            return nil
        }
        return relative
    }

    public func staysInside(_ path: String) -> Bool {
        // Follow the deepest existing ancestor (or the path itself) and compare with the root.
        var candidate = path
        while true {
            let full = root + "/" + candidate
            var st = stat()
            if lstat(full, &st) == 0 {
                guard let resolved = realpath(full, nil) else { return false }
                defer { free(resolved) }
                let real = String(cString: resolved)
                return real == root || real.hasPrefix(root == "/" ? "/" : root + "/")
            }
            guard let parent = WorkspacePath.directory(of: candidate) else { return true }
            candidate = parent
        }
    }
}
