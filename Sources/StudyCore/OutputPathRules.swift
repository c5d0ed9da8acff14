/// Load-time rules that keep outputs away from what a run must never delete or overwrite: git's and
/// StudyFlow's own directories, the workflow file, the files a stage reads, and the sources another
/// stage reads (DESIGN.md section 2, "Reserved paths"). A run clears every output before its stage
/// starts, so an output that covers one of these would destroy it.
///
/// Paths are compared after lexical normalization (the loader's `WorkspacePath.normalize`) and, for
/// reserved paths, also after the probe resolves symbolic links inside the workspace.
struct OutputPathRules {
    /// Directory names an output may never be, or lie inside, at any depth.
    static let reservedNames: [(name: String, holds: String)] = [
        (".git", "git's own data"),
        (".studyflow", "studyflow's store, records and logs"),
    ]

    let workflow: Workflow
    /// Each stage's `CommandWords.candidates`, by stage index.
    let commandWords: [[String]]
    let probe: any PathProbe
    /// The validator's table of every output path.
    let outputs: OutputTable
    /// Every output's path with links resolved (`PathProbe.resolve`), in declaration order.
    let resolvedOutputs: [String?]

    /// Every broken rule, and the inputs whose "does not exist" message would contradict one
    /// (a stage reading its own output), as (stage index, input index).
    func check() -> (diagnostics: [Diagnostic], ownReads: Set<[Int]>) {
        var diagnostics: [Diagnostic] = []
        var ownReads: Set<[Int]> = []
        let workflowFile = workflowFilePaths()
        // Stages are read field by field, not copied whole (a `Stage` is large).
        let stages = workflow.stages
        // The command words that name existing files: the disk is asked once per word.
        let existingWords = commandWords.map { words in words.isEmpty ? words : words.filter(probe.exists) }
        var outputIndex = 0
        for id in stages.indices {
            let stageID = stages[id].id, outputs = stages[id].outputs
            for output in outputs {
                defer { outputIndex += 1 }
                if let problem = reservedProblem(output, resolved: resolvedOutputs[outputIndex], stage: stageID, workflowFile: workflowFile) {
                    diagnostics.append(Diagnostic(problem, at: output.location))
                }
            }
            for (i, input) in stages[id].inputs.enumerated() {
                if let problem = ownReadProblem(readable(input), stage: stageID, outputs: outputs) {
                    diagnostics.append(Diagnostic(problem, at: input.location))
                    ownReads.insert([id, i])
                }
            }
            for word in existingWords[id] {
                if let output = outputs.first(where: { Self.isInside(word, $0.path) }) {
                    diagnostics.append(Diagnostic(
                        "stage '\(stageID)' runs '\(word)', which lies inside its own output '\(output.displayPath)'; its outputs are cleared before it runs: move '\(word)' out of '\(output.displayPath)'",
                        at: output.location))
                }
            }
        }
        diagnostics += crossStageProblems(existingWords: existingWords)
        return (diagnostics, ownReads)
    }

    /// `input` with an absolute or `..` path that lands inside the workspace given as the workspace
    /// path it reads, so `/ws/data/raw.csv` and `data/raw.csv` are compared as one.
    private func readable(_ input: Artifact) -> Artifact {
        guard input.path.hasPrefix("/") || input.path.hasPrefix("../") || input.path == "..",
              let inside = probe.workspacePath(ofOutside: input.path) else { return input }
        var mapped = input
        mapped.path = inside
        return mapped
    }

    /// The workspace-relative paths of the workflow file and its included files, as written and
    /// with links resolved.
    private func workflowFilePaths() -> Set<String> {
        var paths: Set<String> = []
        for file in [workflow.file] + workflow.includes.files.map(\.path) {
            switch WorkspacePath.normalize(file) {
            case .inside(let path, _):
                paths.insert(path)
            case .absolute(let path, _):
                if let relative = probe.workspacePath(ofOutside: path) { paths.insert(relative) }
            case .escapes, .empty:
                break
            }
        }
        for path in paths { if let real = probe.resolve(path) { paths.insert(real) } }
        return paths
    }

    private func reservedProblem(_ output: Artifact, resolved: String?, stage: String, workflowFile: Set<String>) -> String? {
        var spellings = [output.path]
        if let real = resolved, real != output.path { spellings.append(real) }
        for path in spellings {
            for reserved in Self.reservedNames {
                guard let isLast = Self.component(reserved.name, of: path) else { continue }
                let through = path == output.path ? "" : " (through a symbolic link, it is '\(path)')"
                let place = isLast ? "is a '\(reserved.name)' directory" : "lies in a '\(reserved.name)' directory"
                return "output '\(output.displayPath)' of stage '\(stage)' \(place)\(through), which holds \(reserved.holds) and is never an output; write it under another directory, e.g. 'results/'"
            }
            for file in workflowFile where file == path || Self.isInside(file, path) {
                let what = file == path ? "is the workflow file '\(file)' itself" : "contains the workflow file '\(file)'"
                return "output '\(output.displayPath)' of stage '\(stage)' \(what); a stage never writes its own workflow: write the output under another directory, e.g. 'results/'"
            }
        }
        return nil
    }

    /// Whether some '/'-separated component of `path` is `name` (nil when none is), and if so
    /// whether its last component is. Compared as bytes: the reserved names are ASCII, and no
    /// other spelling of them is the same name on disk.
    static func component(_ name: String, of path: String) -> Bool? {
        // Every reserved name starts with '.': a path with no component starting so has none.
        var previous = UInt8(ascii: "/"), dotted = false
        for byte in path.utf8 {
            if byte == UInt8(ascii: ".") && previous == UInt8(ascii: "/") {
                dotted = true
                break
            }
            previous = byte
        }
        guard dotted else { return nil }
        var found = false, last = false
        for component in path.utf8.split(separator: UInt8(ascii: "/")) {
            last = component.elementsEqual(name.utf8)
            found = found || last
        }
        return found ? last : nil
    }

    /// A stage (`stage`, writing `outputs`) whose input is its own output, lies inside one, or
    /// holds one.
    private func ownReadProblem(_ input: Artifact, stage: String, outputs: [Artifact]) -> String? {
        let cleared = "its outputs are cleared before it runs, so it cannot read them"
        for output in outputs {
            if input.path == output.path {
                return "stage '\(stage)' reads its own output '\(output.displayPath)'; \(cleared): read the original under another path and write the result to a new one, e.g. 'results/\(WorkspacePath.lastComponent(of: output.path))'"
            }
            if Self.isInside(input.path, output.path) {
                return "stage '\(stage)' reads '\(input.displayPath)', which lies inside its own output '\(output.displayPath)'; \(cleared): move the input out of '\(output.displayPath)', or write the output to another directory"
            }
            if Self.isInside(output.path, input.path) {
                return "stage '\(stage)' writes its output '\(output.displayPath)' inside its own input '\(input.path)/'; a stage cannot read what it writes: write the output outside '\(input.path)/', e.g. 'results/\(WorkspacePath.lastComponent(of: output.path))'"
            }
        }
        return nil
    }

    /// Outputs inside a source directory another stage reads, and reads inside a file output.
    private func crossStageProblems(existingWords: [[String]]) -> [Diagnostic] {
        let stages = workflow.stages
        // Only the directories that hold an output can be sources an output lies in.
        var outputParents: Set<String> = []
        var parentsOfDirectory = ParentMemo { directory in WorkspacePath.parents(of: directory) + [directory] }
        for id in stages.indices {
            for output in stages[id].outputs {
                guard let parents = parentsOfDirectory.value(for: output.path), !outputParents.contains(parents.last!) else { continue }
                outputParents.formUnion(parents)
            }
        }
        var sourceDirectories: [String: String] = [:]
        var readsInFiles: [Diagnostic] = []
        var reported: Set<String> = []
        // The file outputs among each read path's parents, by directory: usually none.
        var fileParents = ParentMemo { directory in
            (WorkspacePath.parents(of: directory) + [directory]).compactMap { parent in outputs[parent]?.firstFile.map { (parent, $0) } }
        }
        for id in stages.indices {
            let stageID = stages[id].id
            func read(_ path: String) {
                for (parent, owner) in fileParents.value(for: path) ?? [] {
                    let ownerID = stages[Int(owner.stage)].id
                    guard ownerID != stageID, reported.insert(parent).inserted else { continue }
                    readsInFiles.append(Diagnostic(
                        "output '\(parent)' of stage '\(ownerID)' is a file, but stage '\(stageID)' reads '\(path)' inside it; clearing the output would delete that directory: declare '\(parent)/' if '\(ownerID)' writes the whole directory, or give the file another name",
                        at: stages[Int(owner.stage)].outputs[Int(owner.output)].location))
                }
            }
            for input in stages[id].inputs {
                let path = readable(input).path
                read(path)
                if outputParents.contains(path), sourceDirectories[path] == nil { sourceDirectories[path] = stageID }
            }
            for word in existingWords[id] { read(word) }
        }
        return sourcesHoldingOutputs(sourceDirectories) + readsInFiles
    }

    /// Outputs inside a directory another stage reads as a source and no stage writes: the output
    /// would change it unseen. `sourceDirectories` maps each such read path to its first reader.
    private func sourcesHoldingOutputs(_ sourceDirectories: [String: String]) -> [Diagnostic] {
        guard !sourceDirectories.isEmpty else { return [] }
        let stages = workflow.stages
        // Per directory, its unwritten parents read as sources (deepest first) with their first
        // reader, up to the first one under a directory output.
        var readParents = ParentMemo { directory -> [(parent: String, reader: String)] in
            let parents = WorkspacePath.parents(of: directory) + [directory]
            var found: [(parent: String, reader: String)] = []
            for (depth, parent) in parents.enumerated().reversed() where !outputs.contains(parent) {
                guard let reader = sourceDirectories[parent],
                      !parents[..<depth].contains(where: { outputs[$0].map { $0.lastDirectory >= 0 } ?? false }) else { continue }
                found.append((parent, reader))
            }
            return found
        }
        var diagnostics: [Diagnostic] = []
        for id in stages.indices {
            let stageID = stages[id].id
            for output in stages[id].outputs {
                guard let (parent, reader) = readParents.value(for: output.path)?.first(where: { $0.reader != stageID }) else { continue }
                diagnostics.append(Diagnostic(
                    "output '\(output.displayPath)' of stage '\(stageID)' lies inside '\(parent)/', which stage '\(reader)' reads as a source; '\(reader)' would read it without waiting for '\(stageID)': write the output outside '\(parent)/', or declare '\(output.displayPath)' itself as an input of '\(reader)'",
                    at: output.location))
            }
        }
        return diagnostics
    }

    /// Whether `path` lies strictly inside `directory` (both normalized, relative).
    static func isInside(_ path: String, _ directory: String) -> Bool {
        path.utf8.count > directory.utf8.count + 1 && path.utf8.starts(with: directory.utf8)
            && path.utf8[path.utf8.index(path.utf8.startIndex, offsetBy: directory.utf8.count)] == UInt8(ascii: "/")
    }
}
