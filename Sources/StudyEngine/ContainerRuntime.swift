#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The program that runs container stages: podman, docker or apptainer, found on `PATH` in that
/// order unless `run --container-runtime NAME` names one.
public struct ContainerRuntime: Sendable, Equatable {
    /// The runtimes studyflow knows how to drive; their command lines differ (see `ContainerInvocation`).
    public enum Kind: String, Sendable, CaseIterable {
        case podman, docker, apptainer
    }

    /// Which command line it takes.
    public var kind: Kind
    /// Absolute path of the program.
    public var path: String
    /// Its version (`4.3.1`), empty when `--version` said nothing readable.
    public var version: String

    /// Creates a runtime description.
    public init(kind: Kind, path: String, version: String = "") {
        self.kind = kind
        self.path = path
        self.version = version
    }

    /// Discovery order when no runtime is named.
    public static let discoveryOrder: [Kind] = [.podman, .docker, .apptainer]

    /// The runtime named `name` (a kind, or a path whose last component is one), or the first of
    /// `discoveryOrder` on `searchPath`; `isExecutable` tells whether a path is an executable file.
    public static func locate(named name: String?, searchPath: String,
                              isExecutable: (String) -> Bool) -> Result<ContainerRuntime, ContainerError> {
        guard let name else {
            for kind in discoveryOrder {
                if let path = ProgramSearch.first(kind.rawValue, on: searchPath, isExecutable: isExecutable) {
                    return .success(ContainerRuntime(kind: kind, path: path))
                }
            }
            return .failure(.noRuntime(named: nil))
        }
        let base = String(name.split(separator: "/").last ?? "")
        guard let kind = Kind(rawValue: base) else { return .failure(.unknownRuntime(name)) }
        if name.contains("/") {
            return isExecutable(name) ? .success(ContainerRuntime(kind: kind, path: name)) : .failure(.noRuntime(named: name))
        }
        guard let path = ProgramSearch.first(name, on: searchPath, isExecutable: isExecutable) else {
            return .failure(.noRuntime(named: name))
        }
        return .success(ContainerRuntime(kind: kind, path: path))
    }

    /// The version in a `--version` line: its first word that starts with a digit, without a
    /// trailing comma (`podman version 4.3.1` → `4.3.1`, `Docker version 24.0.5, build …` → `24.0.5`).
    public static func version(fromLine text: String) -> String {
        let line = text.split(separator: "\n").first ?? ""
        for word in line.split(separator: " ") where word.first?.isNumber == true {
            return String(word.hasSuffix(",") ? word.dropLast() : word)
        }
        return ""
    }

    /// `access(X_OK)` on a regular file.
    public static let systemIsExecutable: @Sendable (String) -> Bool = { path in
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }
}

/// Why container stages cannot run: the runtime or an image is missing. Raised at plan time,
/// before any stage runs.
public indirect enum ContainerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `--container-runtime` named something that is not podman, docker or apptainer.
    case unknownRuntime(String)
    /// No runtime on PATH (`named` nil), or the named one is not there.
    case noRuntime(named: String?)
    /// A stage needs a runtime that is missing; `stage` names the first such stage, `more` counts the rest.
    case runtimeMissing(ContainerError, stage: String, image: String, more: Int)
    /// An image is not present in the runtime's store.
    case imageMissing(image: String, stage: String, more: Int, runtime: ContainerRuntime.Kind)
    /// `--pull` could not pull an image.
    case pullFailed(image: String, stage: String, runtime: ContainerRuntime.Kind, message: String)
    /// The workspace path holds a character the runtime's mount syntax cannot carry.
    case unmountableRoot(String, stage: String)
    /// `reproduce` needs an image by the digest a run recorded, and it is gone.
    case recordedImageMissing(image: String, digest: String, stage: String, runtime: ContainerRuntime.Kind)

    public var description: String {
        switch self {
        case .unknownRuntime(let name):
            return "unknown container runtime '\(name)'; use podman, docker or apptainer (or a path to one of them)"
        case .noRuntime(let name?):
            return "container runtime '\(name)' was not found on PATH; install it, or name another with --container-runtime (podman, docker, apptainer)"
        case .noRuntime(nil):
            return "no container runtime (podman, docker or apptainer) was found on PATH; install one, e.g. 'apt-get install podman'"
        case .runtimeMissing(let cause, let stage, let image, let more):
            return "stage '\(stage)'\(Self.others(more)) runs in container '\(image)', but \(cause)"
        case .imageMissing(let image, let stage, let more, let runtime):
            return "image '\(image)' of stage '\(stage)'\(Self.others(more)) is not in \(runtime.rawValue)'s image store and studyflow does not pull silently; run '\(Self.pullCommand(runtime, image))', or rerun with --pull"
        case .pullFailed(let image, let stage, let runtime, let message):
            return "could not pull image '\(image)' of stage '\(stage)' with \(runtime.rawValue): \(message); check the name and the registry, or load the image yourself"
        case .unmountableRoot(let root, let stage):
            return "stage '\(stage)' runs in a container, but the workspace path '\(root)' holds ':' or ',', which the runtime's bind-mount syntax cannot carry; move or link the workspace to a path without them"
        case .recordedImageMissing(let image, let digest, let stage, let runtime):
            return "stage '\(stage)' ran in image '\(image)' with digest \(digest), which is no longer in \(runtime.rawValue)'s image store; load that exact image again (e.g. '\(Self.pullCommand(runtime, image))' if the registry still has it) to reproduce the run"
        }
    }

    private static func others(_ more: Int) -> String {
        more == 0 ? "" : " (and \(more) more stage\(more == 1 ? "" : "s"))"
    }

    private static func pullCommand(_ runtime: ContainerRuntime.Kind, _ image: String) -> String {
        runtime == .apptainer ? "apptainer pull \(image)" : "\(runtime.rawValue) pull \(image)"
    }
}
