/// The command line that runs one stage's `sh -c COMMAND` in its container, the same for the
/// local executor and a SLURM job script. Pure, so tests compare it whole.
///
/// The workspace is bind-mounted at its own path and is the working directory, so paths in the
/// command mean what they mean on the host; the stage runs as the caller's uid and gid (files it
/// writes belong to the user), without network unless the stage says `network: true`, and sees
/// only the variables the key covers (`STUDYFLOW_*`, the stage's `env:`) plus `HOME=/tmp`.
/// Variables pass by name (`-e NAME`): the runtime copies each value from its own environment,
/// so values never appear on a command line that `ps` shows.
///
/// ```
/// podman run --rm --pull=never --network=none --user 1000:1000 -v /ws:/ws -w /ws -e HOME=/tmp
///   -e STUDYFLOW_STAGE IMAGE-ID sh -c 'wc -l data.csv > results/n.txt'
/// ```
public struct ContainerInvocation: Sendable, Equatable {
    /// The runtime that runs it.
    public var runtime: ContainerRuntime
    /// What the runtime runs: the image ID for podman and docker (so the image whose digest is in
    /// the key is the one that runs, whatever the tag points at by then), the file for apptainer.
    public var image: String
    /// Absolute workspace root.
    public var root: String
    /// The caller's uid and gid.
    public var user: (uid: UInt32, gid: UInt32)
    /// `network: true`.
    public var network: Bool
    /// Names of the variables passed in, in order.
    public var variables: [String]

    /// Creates an invocation.
    public init(runtime: ContainerRuntime, image: String, root: String, user: (uid: UInt32, gid: UInt32), network: Bool,
                variables: [String]) {
        self.runtime = runtime
        self.image = image
        self.root = root
        self.user = user
        self.network = network
        self.variables = variables
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.runtime == b.runtime && a.image == b.image && a.root == b.root && a.user == b.user && a.network == b.network
            && a.variables == b.variables
    }

    /// The full argv (program path first) that runs `command` with `sh -c` in the image.
    public func arguments(command: String) -> [String] {
        let volume = root + ":" + root
        switch runtime.kind {
        case .podman, .docker:
            var argv = [runtime.path, "run", "--rm", "--pull=never"]
            if !network { argv.append("--network=none") }
            argv += ["--user", "\(user.uid):\(user.gid)", "-v", volume, "-w", root, "-e", "HOME=/tmp"]
            for name in variables { argv += ["-e", name] }
            return argv + [image, "sh", "-c", command]
        case .apptainer:
            // Apptainer runs as the caller already; --cleanenv keeps the host's variables out and
            // APPTAINERENV_NAME (see `environment`) brings the keyed ones in.
            var argv = [runtime.path, "exec", "--containall", "--cleanenv", "--bind", volume, "--pwd", root,
                        "--env", "HOME=/tmp"]
            if !network { argv += ["--net", "--network", "none"] }
            return argv + [image, "sh", "-c", command]
        }
    }

    /// Variables the runtime process needs beyond its caller's environment for the passed values
    /// to reach the stage: none for podman and docker (`-e NAME` reads them), `APPTAINERENV_NAME`
    /// copies for apptainer.
    public func environment(values: [String: String]) -> [String: String] {
        guard runtime.kind == .apptainer else { return [:] }
        var extra: [String: String] = [:]
        for name in variables { if let value = values[name] { extra["APPTAINERENV_" + name] = value } }
        return extra
    }
}
