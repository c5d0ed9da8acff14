import StudyCore

/// Runs every built-in stage's load-time `check` with the run's parameters, so bad settings stop
/// the run before anything starts (exit 2), as a malformed workflow does.
public enum SettingsCheck {
    /// One diagnostic per problem, in stage order, at the field the problem names
    /// (`with.covariates[2]: …` at that list item, `outputs.result: …` at that output) or, for a
    /// problem naming no written field, at the stage's declaration. A problem that several
    /// instances of one fan-out share is one diagnostic naming the first and counting the others.
    public static func diagnostics(_ workspace: Workspace) -> [Diagnostic] {
        let workflow = workspace.compiled.workflow
        var order: [Shared] = []
        var counts: [Shared: (first: String, count: Int)] = [:]
        for (index, stage) in workflow.stages.enumerated() {
            guard case .builtin(let kindName, _) = stage.action,
                  let kind = workspace.registry.kind(named: kindName) else { continue }
            let declaration = StageDeclaration(
                stage: stage.id, root: workspace.layout.root,
                inputs: named(stage.inputs), outputs: named(stage.outputs),
                with: workspace.resolver.settings(of: stage),
                gathered: workflow.gathered(forStage: index))
            let template = workflow.template(of: index) ?? stage.id
            for problem in kind.check(declaration) {
                let shared = Shared(template: template, kind: kindName, problem: problem, location: stage.location(forProblem: problem))
                if let entry = counts[shared] { counts[shared] = (entry.first, entry.count + 1) } else {
                    counts[shared] = (stage.id, 1)
                    order.append(shared)
                }
            }
        }
        return order.map { shared in
            let entry = counts[shared]!
            let more = entry.count > 1 ? " (and \(entry.count - 1) more instance\(entry.count == 2 ? "" : "s"))" : ""
            return Diagnostic("stage '\(entry.first)'\(more) (\(shared.kind)): \(shared.problem)", at: shared.location)
        }
    }

    /// One problem of one template (or plain stage) at one place.
    private struct Shared: Hashable {
        var template: String
        var kind: String
        var problem: String
        var location: SourceLocation?
    }

    /// Artifacts by name; positional ones by index, as `StageKindContext` names them.
    static func named(_ artifacts: [Artifact]) -> [String: String] {
        var result: [String: String] = [:]
        for (i, a) in artifacts.enumerated() { result[a.name ?? String(i)] = a.path }
        return result
    }
}
