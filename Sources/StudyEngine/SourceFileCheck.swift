import StudyCore
import StudyStore

/// The load-time rule that needs the store (DESIGN.md section 2: an output never contains a source
/// file): an output must not replace an existing file another stage reads when studyflow never
/// made it. A stage that writes `data/` would otherwise clear the user's `data/raw.csv` that the
/// next stage reads. Paths studyflow recorded or started a stage on are its own and pass.
///
/// Only inputs strictly inside a directory output are checked: a file output that another stage
/// reads is the ordinary edge between two stages, and it stays one after `rm -rf .studyflow`
/// (when nothing is recorded any more); if a user's file sits there, the run moves it aside into
/// `.studyflow/trash/` instead of deleting it (`OutputClearer`).
public enum SourceFileCheck {
    /// One diagnostic per output that would replace such a file, at the output, in stage order.
    public static func diagnostics(_ workspace: Workspace) -> [Diagnostic] {
        let stages = workspace.compiled.workflow.stages
        let index = OutputOwners(stages)
        if index.isEmpty { return [] }
        var reported: Set<String> = []
        var diagnostics: [Diagnostic] = []
        for (id, stage) in stages.enumerated() {
            for read in stage.inputs.map(\.path) + workspace.compiled.commandWords[id] {
                guard let (owner, output) = index.owner(of: read), owner != id, read != output.path, !reported.contains(output.path),
                      FileStat.following(workspace.layout.absolute(read)) != nil,
                      !workspace.log.hasRecordedOutput(at: output.path), !workspace.claims.contains(output.path) else { continue }
                reported.insert(output.path)
                diagnostics.append(Diagnostic(message(output: output, writer: stages[owner].id, read: read, reader: stage.id),
                                              at: output.location))
            }
        }
        return diagnostics
    }

    static func message(output: Artifact, writer: String, read: String, reader: String) -> String {
        return "output '\(output.displayPath)' of stage '\(writer)' would replace the existing '\(output.displayPath)', which holds '\(read)' that stage '\(reader)' reads and studyflow did not make; write the output to a new directory, e.g. 'results/\(WorkspacePath.lastComponent(of: output.path))/', or move '\(output.displayPath)' away if '\(writer)' should make it"
    }
}

/// Which stage's directory output a path lies strictly inside. A path equal to an output is the
/// ordinary edge (never reported), so only directory outputs are indexed, as two small integers
/// each: at 100,000 instances with file outputs the index is empty.
private struct OutputOwners {
    private let stages: [Stage]
    private var directories: [String: (stage: Int32, output: Int32)] = [:]
    /// Every output path, kept only when some output is a directory: a path that is an output
    /// itself is that output, never one inside a directory.
    private var outputs: Set<String> = []

    init(_ stages: [Stage]) {
        self.stages = stages
        for (id, stage) in stages.enumerated() {
            for (index, output) in stage.outputs.enumerated() where output.isDirectory && directories[output.path] == nil {
                directories[output.path] = (Int32(id), Int32(index))
            }
        }
        guard !directories.isEmpty else { return }
        for stage in stages { for output in stage.outputs { outputs.insert(output.path) } }
    }

    /// Whether no path can lie inside an output.
    var isEmpty: Bool { directories.isEmpty }

    /// The stage and directory output that `path` lies strictly inside (the deepest one).
    func owner(of path: String) -> (Int, Artifact)? {
        if directories.isEmpty || outputs.contains(path) { return nil }
        for parent in WorkspacePath.parents(of: path).reversed() {
            if let entry = directories[parent] {
                return (Int(entry.stage), stages[Int(entry.stage)].outputs[Int(entry.output)])
            }
        }
        return nil
    }
}
