import StudyCore
import Synchronization

/// The version line of each host tool by the SHA-256 of its file (`.studyflow/tool-versions`):
/// a binary is asked `--version` once ever, not once per run, and an upgrade (new bytes) is asked
/// again. A missing or damaged file is an empty table.
public final class ToolVersions: Sendable {
    private struct State {
        var lines: [Digest: String]
        var dirty = false
    }

    private let state: Mutex<State>
    private let path: String
    static let magic = Array("studyflow-tool-versions 1\n".utf8)

    /// Loads the table at `path`.
    public init(path: String) {
        self.path = path
        var lines: [Digest: String] = [:]
        if let bytes = FileIO.read(path), bytes.count >= Self.magic.count, Array(bytes[0..<Self.magic.count]) == Self.magic {
            bytes.withUnsafeBytes { raw in
                var r = BinaryReader(raw, offset: Self.magic.count)
                do {
                    for _ in 0..<(try r.readCount()) {
                        let digest = try r.readDigest()
                        lines[digest] = try r.readString()
                    }
                } catch {
                    lines = [:]
                }
            }
        }
        state = Mutex(State(lines: lines))
    }

    /// The remembered version line of the binary with `digest`.
    public func line(for digest: Digest) -> String? {
        state.withLock { $0.lines[digest] }
    }

    /// Remembers `line` (possibly empty: the binary printed no version) for `digest`.
    public func remember(_ line: String, for digest: Digest) {
        state.withLock { state in
            guard state.lines[digest] != line else { return }
            state.lines[digest] = line
            state.dirty = true
        }
    }

    /// Writes the table atomically if anything was added; losing it only costs asking again.
    public func save() throws {
        let bytes: [UInt8]? = state.withLock { state in
            guard state.dirty else { return nil }
            state.dirty = false
            var w = BinaryWriter(capacity: 96 * state.lines.count + 32)
            w.append(Self.magic)
            w.write(UInt64(state.lines.count))
            for digest in state.lines.keys.sorted(by: { $0.hex < $1.hex }) {
                w.write(digest)
                w.write(state.lines[digest]!)
            }
            return w.bytes
        }
        if let bytes { try FileIO.writeAtomically(path, bytes, durable: false) }
    }
}
