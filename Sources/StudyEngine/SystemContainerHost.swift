import StudyStore

/// `ContainerHost` over the real runtime program: `podman image inspect IMAGE --format '{{.Id}}'`
/// and the like, with the caller's environment (podman needs its `CONTAINERS_CONF` here).
public struct SystemContainerHost: ContainerHost {
    /// Creates the host.
    public init() {}

    public func version(of runtime: ContainerRuntime) -> String {
        let result = CapturedProcess.run(runtime.path, ["--version"])
        return result.status == 0 ? ContainerRuntime.version(fromLine: result.stdout) : ""
    }

    public func inspect(_ image: String, runtime: ContainerRuntime) -> String? {
        switch runtime.kind {
        case .podman, .docker:
            let result = CapturedProcess.run(runtime.path, ["image", "inspect", "--format", "{{.Id}}", image])
            let id = result.stdout.split(separator: "\n").first.map(String.init) ?? ""
            return result.status == 0 && !id.isEmpty ? id : nil
        case .apptainer:
            // A SIF file's content digest; a recorded digest is "present" when the file still has it.
            let path = image.hasPrefix("sha256:") ? nil : image
            guard let path, let (digest, _) = try? FileHasher.hash(path) else { return nil }
            return "sha256:" + digest.hex
        }
    }

    public func pull(_ image: String, runtime: ContainerRuntime) -> String? {
        let result = CapturedProcess.run(runtime.path, ["pull", image])
        return result.status == 0 ? nil : result.message
    }
}
