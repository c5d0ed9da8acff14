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

    /// Every broken rule, and the inputs whose "does not exist" message would contradict one
    /// (a stage reading its own output), as (stage index, input index).
    func check() -> (diagnostics: [Diagnostic], ownReads: Set<[Int]>) {
        var diagnostics: [Diagnostic] = []
        var ownReads: Set<[Int]> = []
        let workflowFile = workflowFilePaths()
        // Stages are read field by field, not copied whole (a `Stage` is large).
        let stages = workflow.stages
        for id in stages.indices {
            let stageID = stages[id].id, outputs = stages[id].outputs
            for output in outputs {
                if let problem = reservedProblem(output, stage: stageID, workflowFile: workflowFile) {
                    diagnostics.append(Diagnostic(problem, at: output.location))
                }
            }
            for (i, input) in stages[id].inputs.enumerated() {
                if let problem = ownReadProblem(readable(input), stage: stageID, outputs: outputs) {
                    diagnostics.append(Diagnostic(problem, at: input.location))
                    ownReads.insert([id, i])
                }
            }
            for word in commandWords[id] where probe.exists(word) {
                if let output = outputs.first(where: { Self.isInside(word, $0.path) }) {
                    diagnostics.append(Diagnostic(
                        "stage '\(stageID)' runs '\(word)', which lies inside its own output '\(output.displayPath)'; its outputs are cleared before it runs: move '\(word)' out of '\(output.displayPath)'",
                        at: output.location))
                }
            }
        }
        diagnostics += crossStageProblems()
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

    private func reservedProblem(_ output: Artifact, stage: String, workflowFile: Set<String>) -> String? {
        var spellings = [output.path]
        if let real = probe.resolve(output.path), real != output.path { spellings.append(real) }
        for path in spellings {
            let components = path.utf8.split(separator: UInt8(ascii: "/")).map { String(Substring($0)) }
            for reserved in Self.reservedNames where components.contains(reserved.name) {
                let through = path == output.path ? "" : " (through a symbolic link, it is '\(path)')"
                let place = components.last == reserved.name ? "is a '\(reserved.name)' directory" : "lies in a '\(reserved.name)' directory"
                return "output '\(output.displayPath)' of stage '\(stage)' \(place)\(through), which holds \(reserved.holds) and is never an output; write it under another directory, e.g. 'results/'"
            }
            for file in workflowFile where file == path || Self.isInside(file, path) {
                let what = file == path ? "is the workflow file '\(file)' itself" : "contains the workflow file '\(file)'"
                return "output '\(output.displayPath)' of stage '\(stage)' \(what); a stage never writes its own workflow: write the output under another directory, e.g. 'results/'"
            }
        }
        return nil
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
    private func crossStageProblems() -> [Diagnostic] {
        var sourceDirectories: [String: String] = [:]
        var reads: [(path: String, stage: String)] = []
        let stages = workflow.stages
        for id in stages.indices {
            let stageID = stages[id].id
            for input in stages[id].inputs.map(readable) {
                reads.append((input.path, stageID))
                if sourceDirectories[input.path] == nil { sourceDirectories[input.path] = stageID }
            }
            for word in commandWords[id] where probe.exists(word) { reads.append((word, stageID)) }
        }
        var written: Set<String> = []
        var directoryOutputs: Set<String> = []
        var fileOutputs: [String: (stage: String, output: Artifact)] = [:]
        for id in stages.indices {
            for output in stages[id].outputs {
                written.insert(output.path)
                if output.isDirectory { directoryOutputs.insert(output.path) }
                if !output.isDirectory, fileOutputs[output.path] == nil { fileOutputs[output.path] = (stages[id].id, output) }
            }
        }
        var diagnostics: [Diagnostic] = []
        for id in stages.indices {
            let stage = (id: stages[id].id, outputs: stages[id].outputs)
            for output in stage.outputs {
                // A directory another stage reads and no stage writes: the output would change it unseen.
                let parents = WorkspacePath.parents(of: output.path)
                for (depth, parent) in parents.enumerated().reversed() where !written.contains(parent) {
                    guard let reader = sourceDirectories[parent], reader != stage.id,
                          !parents[..<depth].contains(where: directoryOutputs.contains) else { continue }
                    diagnostics.append(Diagnostic(
                        "output '\(output.displayPath)' of stage '\(stage.id)' lies inside '\(parent)/', which stage '\(reader)' reads as a source; '\(reader)' would read it without waiting for '\(stage.id)': write the output outside '\(parent)/', or declare '\(output.displayPath)' itself as an input of '\(reader)'",
                        at: output.location))
                    break
                }
            }
        }
        var reported: Set<String> = []
        for read in reads {
            for parent in WorkspacePath.parents(of: read.path) {
                guard let owner = fileOutputs[parent], owner.stage != read.stage, reported.insert(parent).inserted else { continue }
                diagnostics.append(Diagnostic(
                    "output '\(parent)' of stage '\(owner.stage)' is a file, but stage '\(read.stage)' reads '\(read.path)' inside it; clearing the output would delete that directory: declare '\(parent)/' if '\(owner.stage)' writes the whole directory, or give the file another name",
                    at: owner.output.location))
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
