#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import Synchronization

/// The output paths stages of this workspace were started on, as an append-only list in
/// `.studyflow/output-claims`. A stage that failed or was killed leaves files no record names; the
/// claim tells the next load they are studyflow's own leftovers, not a user's source files.
public final class OutputClaims: Sendable {
    private let path: String
    private let claimed = Mutex<Set<String>?>(nil)

    static let header = "studyflow-output-claims 1\n"

    /// The claims of the workspace whose list is at `path` (read on first use).
    public init(path: String) { self.path = path }

    /// Whether a stage was ever started with an output at `output`.
    public func contains(_ output: String) -> Bool {
        claimed.withLock { set in
            load(&set)
            return set!.contains(output)
        }
    }

    /// Adds `outputs` not yet claimed, one line each; the caller holds the workspace lock.
    public func claim(_ outputs: [String]) throws {
        try claimed.withLock { set in
            load(&set)
            // Inserted in place: a copy of the set per stage would make a run quadratic.
            let new = outputs.filter { set!.insert($0).inserted }
            guard !new.isEmpty else { return }
            let exists = FileStat.of(path) != nil
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw FileIO.Failure("open", path) }
            defer { close(fd) }
            var text = exists ? "" : Self.header
            for output in new { text += DirectoryManifest.escape(output) + "\n" }
            try text.withUTF8 { try FileIO.writeAll(fd, UnsafeRawBufferPointer($0), path: path) }
        }
    }

    private func load(_ set: inout Set<String>?) {
        if set != nil { return }
        var result: Set<String> = []
        if let bytes = FileIO.read(path) {
            let lines = bytes.split(separator: UInt8(ascii: "\n")).map { Substring(decoding: $0, as: UTF8.self) }
            if lines.first.map({ $0 + "\n" == Self.header }) == true {
                for line in lines.dropFirst() { result.insert(DirectoryManifest.unescape(line)) }
            }
        }
        set = result
    }
}
