import StudyCore

/// The bubblewrap (`bwrap`) command line that runs one shell stage hermetically: the system
/// directories read-only, of the workspace only the stage's inputs (read-only) and a fresh
/// staging directory at each of its outputs' parent directories (writable), a private `/tmp`,
/// no network, and the workspace root as the working directory.
///
/// A pure value, so the argv is checked exactly in tests; both executors run the same argv (the
/// local one spawns it, the SLURM job script runs `shellCommand`). Writing into a staging
/// directory instead of the real parent keeps the parent's other files out of sight; the runner
/// moves the declared outputs into place afterwards (`SandboxStaging`).
public struct SandboxInvocation: Sendable, Equatable {
    /// Absolute path of `bwrap`.
    public var bwrap: String
    /// Absolute workspace root: the working directory, and a read-only empty tree except for the
    /// mounts below.
    public var root: String
    /// The host's system directories and links, recreated inside (see `SystemEntry.probe`).
    public var system: [SystemEntry]
    /// Absolute host paths bound read-only at the same path: the inputs the stage key covers.
    public var readOnly: [String]
    /// Writable staging directories and where they appear inside (an output's parent directory).
    public var writable: [WritableMount]
    /// Variables passed from the caller's environment when set (`PATH`, the stage's `env:`) and
    /// the stage's own (`STUDYFLOW_*`), besides `HOME=/tmp`; nothing else reaches the command.
    public var passed: [String]

    /// A staging directory on the host (`source`) mounted writable at `target` inside.
    public struct WritableMount: Sendable, Equatable {
        /// Absolute host path of the staging directory.
        public var source: String
        /// Absolute path inside the sandbox: the output's parent directory.
        public var target: String
        /// Creates a mount.
        public init(source: String, target: String) {
            self.source = source
            self.target = target
        }
    }

    /// Creates an invocation from its parts; see `SandboxStaging` for how a stage's are chosen.
    public init(bwrap: String, root: String, system: [SystemEntry], readOnly: [String], writable: [WritableMount],
                passed: [String]) {
        self.bwrap = bwrap
        self.root = root
        self.system = system
        self.readOnly = readOnly
        self.writable = writable
        self.passed = passed
    }

    /// `bwrap` and its arguments, ending with `/bin/sh -c COMMAND`.
    ///
    /// Mounts nearer the root come first, so a deeper one lands inside the shallower (an input
    /// inside an output's parent shows over the staging directory). The workspace skeleton is
    /// made read-only last, unless an output's parent is the root itself.
    public func arguments(command: String) -> [String] {
        var a = [bwrap] + Self.isolation
        for entry in system {
            switch entry.kind {
            case .directory: a += ["--ro-bind", entry.path, entry.path]
            case .symlink(let target): a += ["--symlink", target, entry.path]
            }
        }
        a += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", root]
        let mounts = writable.map { (path: $0.target, args: ["--bind", $0.source, $0.target]) }
            + readOnly.map { (path: $0, args: ["--ro-bind", $0, $0]) }
        let ordered = mounts.enumerated().sorted {
            let (l, r) = (Self.depth($0.element.path), Self.depth($1.element.path))
            return l != r ? l < r : $0.offset < $1.offset
        }
        for mount in ordered { a += mount.element.args }
        if !writable.contains(where: { $0.target == root }) { a += ["--remount-ro", root] }
        a += ["--chdir", root, "/bin/sh", "-c", command]
        return a
    }

    /// The environment `bwrap` (and so the command) runs with: `HOME=/tmp`, then each passed
    /// variable that is set, from `stage` (the job's own) or else from `caller`, sorted by name.
    public func environment(stage: [String: String], caller: (String) -> String?) -> [String] {
        var entries = ["HOME": "/tmp"]
        for name in passed {
            if let value = stage[name] ?? caller(name) { entries[name] = value }
        }
        if entries["PATH"] == nil { entries["PATH"] = Self.defaultPath }
        return entries.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    }

    /// The same command as a line of a job script whose environment holds the caller's variables
    /// and the stage's (exported before it): `env -i` keeps only the passed ones, which reach
    /// `env` by expansion, never as literal values in the script.
    public func shellCommand(command: String) -> String {
        var words = ["env", "-i", "HOME=/tmp"]
        for name in passed.sorted() where Self.isShellName(name) {
            words.append("${\(name)+\"\(name)=$\(name)\"}")
        }
        words += arguments(command: command).map(ShellQuote.quote)
        return words.joined(separator: " ")
    }

    /// New namespaces for everything (no network, IPC, PID or host name shared) and death with the
    /// stage's supervisor.
    #if os(Linux)
    static let isolation = ["--unshare-all", "--die-with-parent"]
    #else
    // bubblewrap runs only on Linux: elsewhere `SandboxSettings.resolve` finds no bwrap, so a
    // sandboxed stage stops the run before anything runs and no argv is ever built.
    static let isolation: [String] = []
    #endif

    /// `PATH` when the caller has none.
    static let defaultPath = "/usr/local/bin:/usr/bin:/bin"

    private static func depth(_ path: String) -> Int { path.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "/") ? 1 : 0) } }

    private static func isShellName(_ name: String) -> Bool {
        guard let first = name.first, !first.isNumber else { return false }
        return name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }
}
