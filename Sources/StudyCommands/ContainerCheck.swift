import StudyCore
import StudyEngine

/// Settles a run's containers before anything runs: the runtime is located and each distinct
/// image is resolved to its content digest once. A missing runtime or image stops the command
/// with exit 2 (usage: nothing ran, nothing was written), naming the stage and the fix.
enum ContainerCheck {
    /// The setup for `workflow`'s stages; `runtime` is `--container-runtime`, `pull` is `--pull`,
    /// `pinned` the digests `reproduce` must run with.
    static func setup(for workflow: Workflow, root: String, runtime: String? = nil, pull: Bool = false,
                      pinned: [String: String] = [:]) throws -> ContainerSetup {
        let result = ContainerSetup.resolve(stages: workflow.stages, runtimeName: runtime, pull: pull,
                                            searchPath: ExecutablePath.searchPath,
                                            isExecutable: ContainerRuntime.systemIsExecutable,
                                            host: PullReporting(base: SystemContainerHost()), pinned: pinned, root: root)
        switch result {
        case .success(let setup): return setup
        case .failure(let error): throw CommandError.usage(error.description)
        }
    }

    /// Says on stderr what `--pull` fetches, since pulling can take a while.
    struct PullReporting: ContainerHost {
        let base: SystemContainerHost
        func version(of runtime: ContainerRuntime) -> String { base.version(of: runtime) }
        func inspect(_ image: String, runtime: ContainerRuntime) -> String? { base.inspect(image, runtime: runtime) }
        func pull(_ image: String, runtime: ContainerRuntime) -> String? {
            Console.err("studyflow: pulling image '\(image)' with \(runtime.kind.rawValue) (--pull)…\n")
            return base.pull(image, runtime: runtime)
        }
    }
}
