import StudyCore

/// Runs every built-in stage's load-time `check` with the run's parameters, so bad settings stop
/// the run before anything starts (exit 2), as a malformed workflow does.
public enum SettingsCheck {
    /// One diagnostic per problem, in stage order, at the field the problem names
    /// (`with.covariates[2]: …` at that list item, `outputs.result: …` at that output) or, for a
    /// problem naming no written field, at the stage's declaration.
    public static func diagnostics(_ workspace: Workspace) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for (index, stage) in workspace.compiled.workflow.stages.enumerated() {
            guard case .builtin(let kindName, _) = stage.action,
                  let kind = workspace.registry.kind(named: kindName) else { continue }
            let declaration = StageDeclaration(
                stage: stage.id, root: workspace.layout.root,
                inputs: named(stage.inputs), outputs: named(stage.outputs),
                with: workspace.resolver.settings(of: stage),
                gathered: workspace.compiled.workflow.gathered(forStage: index))
            for problem in kind.check(declaration) {
                diagnostics.append(Diagnostic("stage '\(stage.id)' (\(kindName)): \(problem)", at: stage.location(forProblem: problem)))
            }
        }
        return diagnostics
    }

    /// Artifacts by name; positional ones by index, as `StageKindContext` names them.
    static func named(_ artifacts: [Artifact]) -> [String: String] {
        var result: [String: String] = [:]
        for (i, a) in artifacts.enumerated() { result[a.name ?? String(i)] = a.path }
        return result
    }
}
