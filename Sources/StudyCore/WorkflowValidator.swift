#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

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
    /// `staysInside(path)` and `resolve(path)` at once, for an output path: a disk probe asks the
    /// disk once for both.
    func place(_ path: String) -> (staysInside: Bool, resolved: String?)
}

extension PathProbe {
    /// Without a disk, a path is what it says.
    public func resolve(_ path: String) -> String? { staysInside(path) ? path : nil }
    /// Without a disk, no absolute path is known to lie in the workspace.
    public func workspacePath(ofOutside path: String) -> String? { nil }
    /// The two questions, asked one after the other.
    public func place(_ path: String) -> (staysInside: Bool, resolved: String?) { (staysInside(path), resolve(path)) }
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
        try validate(workflow, commandWords: workflow.stages.map(CommandWords.candidates))
    }

    /// `validate(_:)` given every stage's `CommandWords.candidates`, computed once by the caller
    /// (the compiled workflow keeps them too).
    func validate(_ workflow: Workflow, commandWords: [[String]]) throws(WorkflowDiagnostics) -> StageGraph {
        // Stages are read field by field, not copied whole: a `Stage` is large, and copying
        // 100,000 of them per pass showed in profiles.
        let stages = workflow.stages
        let outputs = OutputTable(stages)
        var resolved: [String?] = []
        var diagnostics = writerProblems(stages, outputs: outputs, resolved: &resolved)
        let rules = OutputPathRules(workflow: workflow, commandWords: commandWords, probe: probe, outputs: outputs,
                                    resolvedOutputs: resolved).check()
        diagnostics += rules.diagnostics
        let graph: StageGraph
        switch StageGraph.build(workflow, outputs: outputs, commandWords: commandWords) {
        case .success(let built):
            graph = built
        case .failure(let cycle):
            let first = workflow.stages[cycle.stages[0]]
            diagnostics.append(Diagnostic(cycle.message(in: workflow), at: first.location))
            throw WorkflowDiagnostics(diagnostics)
        }
        var producedPaths: [String]?
        for id in stages.indices {
            for (i, input) in stages[id].inputs.enumerated() where graph.inputProducers[id][i] < 0 && !rules.ownReads.contains([id, i]) {
                if !probe.exists(input.path) {
                    if producedPaths == nil { producedPaths = outputs.paths(in: stages) }
                    diagnostics.append(Self.missingInput(input, stage: stages[id].id, hint: Spelling.hint(for: input.path, among: producedPaths!)))
                }
            }
        }
        if !diagnostics.isEmpty { throw WorkflowDiagnostics(diagnostics) }
        return graph
    }

    /// Outputs written twice, leaving the workspace through a link, or lying inside another
    /// stage's directory output or inside a file output. `resolved` receives each output's path
    /// with links resolved (`PathProbe.resolve`), in declaration order, for the output rules.
    private func writerProblems(_ stages: [Stage], outputs table: OutputTable, resolved: inout [String?]) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        resolved.reserveCapacity(table.entries.count + table.duplicates.count)
        var duplicates = table.duplicates[...]
        for id in stages.indices {
            let stageID = stages[id].id
            for (k, output) in stages[id].outputs.enumerated() {
                if duplicates.first == OutputTable.Writer(stage: Int32(id), output: Int32(k)) {
                    duplicates.removeFirst()
                    let first = table[output.path]!.first
                    let firstArtifact = stages[Int(first.stage)].outputs[Int(first.output)]
                    diagnostics.append(Diagnostic(
                        "output '\(output.displayPath)' of stage '\(stageID)' is also written by stage '\(stages[Int(first.stage)].id)' (line \(firstArtifact.location.line)); give one of them another path",
                        at: output.location))
                }
                let place = probe.place(output.path)
                resolved.append(place.resolved)
                if !place.staysInside {
                    diagnostics.append(Diagnostic(
                        "output '\(output.displayPath)' of stage '\(stageID)' leaves the workspace through a symbolic link; write it to a real directory inside the workspace",
                        at: output.location))
                }
            }
        }
        // The outputs among each path's parents, by directory: most outputs share theirs.
        var writtenParents = ParentMemo { directory in
            (WorkspacePath.parents(of: directory) + [directory]).compactMap { parent in table[parent].map { (parent, $0.first) } }
        }
        for id in stages.indices {
            let stageID = stages[id].id
            for output in stages[id].outputs {
                for (parent, first) in writtenParents.value(for: output.path) ?? [] {
                    let owner = stages[Int(first.stage)].id
                    if stages[Int(first.stage)].outputs[Int(first.output)].isDirectory {
                        guard owner != stageID else { continue }
                        diagnostics.append(Diagnostic(
                            "output '\(output.displayPath)' of stage '\(stageID)' lies inside directory output '\(parent)/' of stage '\(owner)'; two stages may not write the same path",
                            at: output.location))
                    } else {
                        diagnostics.append(Diagnostic(
                            "output '\(output.displayPath)' of stage '\(stageID)' lies inside file output '\(parent)' of stage '\(owner)'; a file cannot hold other files: give one of them another path",
                            at: output.location))
                    }
                }
            }
        }
        return diagnostics
    }
}

extension WorkflowValidator {
    /// `input 'data/raw.csv' of stage 'clean' does not exist and no stage writes it`, plus `hint`.
    public static func missingInput(_ input: Artifact, stage: String, hint: String = "") -> Diagnostic {
        Diagnostic("input '\(input.displayPath)' of stage '\(stage)' does not exist and no stage writes it\(hint)", at: input.location)
    }
}

/// The real disk, under a workspace root.
///
/// What it learns of directories (whether one exists, where its links lead) is remembered for
/// the probe's life, so 100,000 outputs in one directory cost one walk, not 100,000: make a new
/// probe for each check of a workflow, as `CompiledWorkflowCache` does.
public struct DiskPathProbe: PathProbe {
    /// Absolute path of the workspace root.
    public let root: String
    private let directories = DirectoryMemo()

    /// Probes paths under `root` (made absolute and symlink-free by the caller).
    public init(root: String) { self.root = root }

    public func exists(_ path: String) -> Bool {
        let full = path.hasPrefix("/") ? path : root + "/" + path
        return access(full, F_OK) == 0
    }

    public func resolve(_ path: String) -> String? {
        switch resolution(of: path) {
        case .missing: return path
        case .outside: return nil
        case .resolved(let resolved): return resolved
        }
    }

    /// Where `path` lies once the links of its deepest existing ancestor are followed: that
    /// ancestor's real path plus the rest (empty components dropped).
    private func resolution(of path: String) -> Resolution {
        if presentRemembered(path) {
            guard let real = FileIO.realPath(root + "/" + path) else { return .outside }
            if real == root { return .resolved("") }
            guard real.hasPrefix(root == "/" ? "/" : root + "/") else { return .outside }
            return .resolved(String(real.dropFirst(root == "/" ? 1 : root.count + 1)))
        }
        guard let parent = WorkspacePath.directory(of: path) else { return .missing }
        let base: Resolution
        if let known = directories.resolution(parent) { base = known } else {
            base = resolution(of: parent)
            directories.setResolution(parent, base)
        }
        guard case .resolved(let resolvedParent) = base else { return base }
        return .resolved([resolvedParent, WorkspacePath.lastComponent(of: path)].filter { !$0.isEmpty }.joined(separator: "/"))
    }

    public func place(_ path: String) -> (staysInside: Bool, resolved: String?) {
        // A path that exists is resolved by one realpath for both answers; the others (most
        // outputs before their first run) by their directory's remembered answers. Either way
        // the path itself is not remembered: each output is asked about once.
        guard !present(path) else {
            guard let real = FileIO.realPath(root + "/" + path) else { return (false, nil) }
            let inside = real == root || real.hasPrefix(root == "/" ? "/" : root + "/")
            guard inside else { return (false, nil) }
            return (true, real == root ? "" : String(real.dropFirst(root == "/" ? 1 : root.count + 1)))
        }
        guard let parent = WorkspacePath.directory(of: path) else { return (true, path) }
        let inside: Bool
        if let known = directories.inside(parent) { inside = known } else {
            inside = staysInside(parent)
            directories.setInside(parent, inside)
        }
        let base: Resolution
        if let known = directories.resolution(parent) { base = known } else {
            base = resolution(of: parent)
            directories.setResolution(parent, base)
        }
        guard case .resolved(let resolvedParent) = base else {
            if case .outside = base { return (inside, nil) }
            return (inside, path)
        }
        // The common case, a directory without links: the path is its own resolution.
        if !resolvedParent.isEmpty, resolvedParent.utf8.elementsEqual(parent.utf8) { return (inside, path) }
        return (inside, [resolvedParent, WorkspacePath.lastComponent(of: path)].filter { !$0.isEmpty }.joined(separator: "/"))
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
        if presentRemembered(path) {
            guard let resolved = realpath(root + "/" + path, nil) else { return false }
            defer { free(resolved) }
            let real = String(cString: resolved)
            return real == root || real.hasPrefix(root == "/" ? "/" : root + "/")
        }
        guard let parent = WorkspacePath.directory(of: path) else { return true }
        if let known = directories.inside(parent) { return known }
        let inside = staysInside(parent)
        directories.setInside(parent, inside)
        return inside
    }

    /// Whether `path` exists (as itself, not following a final link); a path in a directory
    /// known to be missing is missing without a system call.
    private func present(_ path: String) -> Bool {
        guard let parent = WorkspacePath.directory(of: path) else {
            var st = stat()
            return lstat(root + "/" + path, &st) == 0
        }
        if !presentDirectory(parent) { return false }
        // Relative to the open directory: the kernel walks one component, not the whole path.
        if let found = directories.present(WorkspacePath.lastComponent(of: path), in: parent, root: root) { return found }
        var st = stat()
        return lstat(root + "/" + path, &st) == 0
    }

    private func presentDirectory(_ directory: String) -> Bool { presentRemembered(directory) }

    /// `present(path)`, asked of the disk once per probe: the validator asks both whether each
    /// output stays inside and where it resolves to, one `lstat` instead of two per output.
    private func presentRemembered(_ path: String) -> Bool {
        if let known = directories.exists(path) { return known }
        let exists = present(path)
        directories.setExists(path, exists)
        return exists
    }
}

/// Where a path lies once links are followed: no part of it exists, it leaves the workspace, or
/// this workspace path.
private enum Resolution: Sendable {
    case missing, outside
    case resolved(String)
}

/// `DiskPathProbe`'s answers about directories (and whether each path asked about exists),
/// shared by its copies.
private final class DirectoryMemo: Sendable {
    private struct Entry {
        var exists: Bool?
        var inside: Bool?
        var resolution: Resolution?
    }
    private let entries = Mutex<[String: Entry]>([:])
    /// The directory last asked about by `present(_:in:root:)`, open (or -1 when it could not be
    /// opened). One at a time: consecutive outputs mostly share a directory, and a workflow with
    /// outputs in 100,000 directories must not hold 100,000 descriptors.
    private let openDirectory = Mutex<(directory: String, descriptor: Int32)?>(nil)

    deinit {
        if let last = openDirectory.withLock({ $0 }), last.descriptor >= 0 { close(last.descriptor) }
    }

    /// Whether `name` exists in the workspace directory `directory` (not following a final link),
    /// or nil when the directory cannot be opened.
    func present(_ name: String, in directory: String, root: String) -> Bool? {
        openDirectory.withLock { current -> Bool? in
            // Bytes, not characters: two spellings that Unicode calls equal are two directories.
            if !(current?.directory.utf8.elementsEqual(directory.utf8) ?? false) {
                if let previous = current, previous.descriptor >= 0 { close(previous.descriptor) }
                current = (directory, open(root + "/" + directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC))
            }
            guard let descriptor = current?.descriptor, descriptor >= 0 else { return nil }
            var st = stat()
            return fstatat(descriptor, name, &st, AT_SYMLINK_NOFOLLOW) == 0
        }
    }

    func exists(_ directory: String) -> Bool? { entries.withLock { $0[directory]?.exists } }
    func inside(_ directory: String) -> Bool? { entries.withLock { $0[directory]?.inside } }
    func resolution(_ directory: String) -> Resolution? { entries.withLock { $0[directory]?.resolution } }
    func setExists(_ directory: String, _ value: Bool) { entries.withLock { $0[directory, default: Entry()].exists = value } }
    func setInside(_ directory: String, _ value: Bool) { entries.withLock { $0[directory, default: Entry()].inside = value } }
    func setResolution(_ directory: String, _ value: Resolution) { entries.withLock { $0[directory, default: Entry()].resolution = value } }
}
