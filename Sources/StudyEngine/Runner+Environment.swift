import StudyCore
import StudyStore

/// The stage environment as the runner applies it at an attempt: host tools recorded, the bwrap
/// sandbox set up, and the note that explains a sandboxed failure.
extension Runner {
    /// What a host stage's command is about to call, resolved as it starts (recorded, not keyed
    /// unless listed); a container stage runs the image's programs, not the host's.
    func hostTools(_ resolved: ResolvedStage) -> [ToolState] {
        guard resolved.container == nil else { return [] }
        return workspace.tools.used(by: resolved.stage, listed: resolved.tools)
    }

    /// For a stage that runs sandboxed: its staging plan, with `job` set to run under bwrap.
    func sandbox(_ job: inout StageJob, _ resolved: ResolvedStage) throws(SandboxError) -> SandboxStaging? {
        let stage = resolved.stage
        guard options.sandbox.applies(to: stage) else { return nil }
        guard let bwrap = options.sandbox.bwrap else {
            throw options.sandbox.everyStage ? SandboxError.bwrapMissingForFlag : .bwrapMissing(stage: stage.id)
        }
        let staging = SandboxStaging(stage: stage, layout: workspace.layout)
        job.sandbox = staging.invocation(inputs: resolved.inputs.map(\.path), bwrap: bwrap, system: options.sandbox.system,
                                         passed: ["PATH"] + stage.env + job.environment.keys.sorted())
        return staging
    }

    /// Why a sandboxed stage may have failed, naming the workspace path its log shows it missed.
    func sandboxNote(_ resolved: ResolvedStage, logPath: String) -> String {
        let diagnosis = SandboxDiagnosis(root: workspace.layout.root, inputs: resolved.inputs.map(\.path),
                                         outputs: resolved.stage.outputs.map(\.path),
                                         byFlag: options.sandbox.everyStage && !resolved.stage.sandbox)
        return diagnosis.note(log: FileIO.readText(logPath) ?? "") { FileStat.of(workspace.layout.absolute($0)) != nil }
    }
}
