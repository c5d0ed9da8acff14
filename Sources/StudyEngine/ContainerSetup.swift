import StudyCore
import StudyStore

/// What studyflow asks of the container runtime, behind a protocol so plans are tested without
/// one (`SystemContainerHost` runs the real program).
public protocol ContainerHost: Sendable {
    /// The runtime's version (`4.3.1`), empty when unreadable.
    func version(of runtime: ContainerRuntime) -> String
    /// The content digest (image ID) of `image` in the runtime's store, nil when it is not there.
    func inspect(_ image: String, runtime: ContainerRuntime) -> String?
    /// Pulls `image`; nil on success, else the runtime's one-line complaint.
    func pull(_ image: String, runtime: ContainerRuntime) -> String?
}

/// The run's container facts, settled at plan time before any stage runs: the runtime and each
/// distinct image's content digest. A workflow without `container:` has `.none` and never
/// touches a runtime.
public struct ContainerSetup: Sendable, Equatable {
    /// The runtime; nil when no stage has a container.
    public var runtime: ContainerRuntime?
    /// Content digest (`sha256:…`) by image reference as written.
    public var digests: [String: String]
    /// The runtime asked for (`--container-runtime` or a profile's), nil when found on PATH.
    public var requestedRuntime: String?

    /// No containers.
    public static let none = ContainerSetup(runtime: nil, digests: [:])

    /// Creates a setup.
    public init(runtime: ContainerRuntime?, digests: [String: String]) {
        self.runtime = runtime
        self.digests = digests
    }

    /// What `stage` runs in, for its key and record; nil for a host stage.
    public func use(for stage: Stage) -> ContainerUse? {
        guard let image = stage.container, let runtime, let digest = digests[image] else { return nil }
        return ContainerUse(image: image, digest: digest, runtime: runtime.kind.rawValue, runtimeVersion: runtime.version)
    }

    /// The invocation that runs `stage` (nil for a host stage), passing `variables` in.
    public func invocation(for stage: Stage, root: String, user: (uid: UInt32, gid: UInt32),
                           variables: [String]) -> ContainerInvocation? {
        guard let image = stage.container, let runtime, let digest = digests[image] else { return nil }
        let reference = runtime.kind == .apptainer ? image : String(digest.dropFirst("sha256:".count))
        return ContainerInvocation(runtime: runtime, image: reference, root: root, user: user, network: stage.network,
                                   variables: variables)
    }

    /// Settles the setup for `stages`: locates the runtime (`runtimeName`, else the first of
    /// podman, docker, apptainer on `searchPath`) and inspects each distinct image once (10,000
    /// instances of one template cost one inspect). A missing image is an error naming its first
    /// stage, unless `pull` allows pulling it. `pinned` (from `reproduce`) maps an image to the
    /// digest a run recorded: that digest must be present and is what runs. `root`, the workspace,
    /// must be mountable (`-v ROOT:ROOT`).
    public static func resolve(stages: [Stage], runtimeName: String?, pull: Bool, searchPath: String,
                               isExecutable: (String) -> Bool, host: any ContainerHost,
                               pinned: [String: String] = [:], root: String? = nil) -> Result<ContainerSetup, ContainerError> {
        var users: [String: (first: String, count: Int)] = [:]
        var order: [String] = []
        for stage in stages {
            guard let image = stage.container else { continue }
            if let entry = users[image] { users[image] = (entry.first, entry.count + 1) } else {
                users[image] = (stage.id, 1)
                order.append(image)
            }
        }
        guard let firstImage = order.first else { return .success(.none) }
        if let root, root.contains(":") || root.contains(",") {
            return .failure(.unmountableRoot(root, stage: users[firstImage]!.first))
        }
        var runtime: ContainerRuntime
        switch ContainerRuntime.locate(named: runtimeName, searchPath: searchPath, isExecutable: isExecutable) {
        case .success(let found): runtime = found
        case .failure(let error):
            if case .unknownRuntime = error { return .failure(error) }
            let total = users.values.reduce(0) { $0 + $1.count }
            return .failure(.runtimeMissing(error, stage: users[firstImage]!.first, image: firstImage, more: total - 1))
        }
        runtime.version = host.version(of: runtime)
        var digests: [String: String] = [:]
        for image in order {
            let (stage, count) = users[image]!
            if let recorded = pinned[image] {
                // By ID for podman and docker; an apptainer file must still hash to it.
                let present = host.inspect(recorded, runtime: runtime) != nil
                    || host.inspect(image, runtime: runtime).map(normalized) == recorded
                guard present else {
                    return .failure(.recordedImageMissing(image: image, digest: recorded, stage: stage, runtime: runtime.kind))
                }
                digests[image] = recorded
                continue
            }
            var digest = host.inspect(image, runtime: runtime)
            if digest == nil, pull {
                if let message = host.pull(image, runtime: runtime) {
                    return .failure(.pullFailed(image: image, stage: stage, runtime: runtime.kind, message: message))
                }
                digest = host.inspect(image, runtime: runtime)
            }
            guard let digest else {
                return .failure(.imageMissing(image: image, stage: stage, more: count - 1, runtime: runtime.kind))
            }
            digests[image] = normalized(digest)
        }
        var setup = ContainerSetup(runtime: runtime, digests: digests)
        setup.requestedRuntime = runtimeName
        return .success(setup)
    }

    /// `sha256:HEX` whether the runtime printed the prefix (docker) or not (podman).
    static func normalized(_ digest: String) -> String {
        digest.hasPrefix("sha256:") ? digest : "sha256:" + digest
    }
}
