#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import Synchronization

/// The output paths stages of this workspace were started on, and what failed stages left there,
/// as an append-only list in `.studyflow/output-claims`. A stage that failed or was killed leaves
/// files no record names: the claim tells the next load they are studyflow's own, not a user's
/// source files, and a leftover's digest lets the next run delete it instead of moving it aside.
///
/// Lines: `c PATH` (a stage was started with an output at PATH) and `f SHA256 PATH` (a failed
/// stage left these bytes at PATH); paths are escaped as in directory manifests.
public final class OutputClaims: Sendable {
    private struct State {
        var claimed: Set<String> = []
        var leftovers: [String: Set<Digest>] = [:]
    }

    private let path: String
    private let state = Mutex<State?>(nil)

    static let header = "studyflow-output-claims 1\n"

    /// The claims of the workspace whose list is at `path` (read on first use).
    public init(path: String) { self.path = path }

    /// Whether a stage was ever started with an output at `output`.
    public func contains(_ output: String) -> Bool {
        state.withLock { state in
            load(&state)
            return state!.claimed.contains(output)
        }
    }

    /// Whether a failed stage left exactly `digest` at `output`.
    public func isLeftover(_ output: String, digest: Digest) -> Bool {
        state.withLock { state in
            load(&state)
            return state!.leftovers[output]?.contains(digest) ?? false
        }
    }

    /// Adds `outputs` not yet claimed, one line each; the caller holds the workspace lock.
    public func claim(_ outputs: [String]) throws {
        try state.withLock { state in
            load(&state)
            // Inserted in place: a copy of the set per stage would make a run quadratic.
            let new = outputs.filter { state!.claimed.insert($0).inserted }
            try append(new.map { "c " + DirectoryManifest.escape($0) })
        }
    }

    /// Remembers what a failed stage left at its output paths.
    public func rememberLeftovers(_ leftovers: [(path: String, digest: Digest)]) throws {
        try state.withLock { state in
            load(&state)
            let new = leftovers.filter { state!.leftovers[$0.path, default: []].insert($0.digest).inserted }
            try append(new.map { "f \($0.digest.hex) " + DirectoryManifest.escape($0.path) })
        }
    }

    private func append(_ lines: [String]) throws {
        guard !lines.isEmpty else { return }
        let exists = FileStat.of(path) != nil
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileIO.Failure("open", path) }
        defer { close(fd) }
        var text = exists ? "" : Self.header
        for line in lines { text += line + "\n" }
        try text.withUTF8 { try FileIO.writeAll(fd, UnsafeRawBufferPointer($0), path: path) }
    }

    private func load(_ state: inout State?) {
        if state != nil { return }
        var result = State()
        if let bytes = FileIO.read(path) {
            let lines = bytes.split(separator: UInt8(ascii: "\n")).map { Substring(decoding: $0, as: UTF8.self) }
            if lines.first.map({ $0 + "\n" == Self.header }) == true {
                // Sliced by bytes: a path may begin with a combining mark, which would merge with the
                // separating space into one Character.
                for line in lines.dropFirst() {
                    let bytes = line.utf8
                    if line.hasPrefix("c ") {
                        result.claimed.insert(DirectoryManifest.unescape(Substring(bytes.dropFirst(2))))
                    } else if line.hasPrefix("f "), bytes.count > 67,
                              let digest = Digest(hex: Substring(bytes.dropFirst(2).prefix(64))) {
                        result.leftovers[DirectoryManifest.unescape(Substring(bytes.dropFirst(67))), default: []].insert(digest)
                    }
                }
            }
        }
        state = result
    }
}
