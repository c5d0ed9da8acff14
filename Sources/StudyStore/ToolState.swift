import StudyCore

/// A program a stage ran, as found when it ran: the name the command (or `tools:`) used, the
/// file it resolved to (symbolic links followed), that file's SHA-256 and its version line.
public struct ToolState: Equatable, Sendable, Hashable {
    /// `python3` as looked up through PATH, or an absolute path as written.
    public var name: String
    /// The resolved file, symbolic links followed.
    public var path: String
    /// SHA-256 of the file's bytes.
    public var digest: Digest
    /// The first non-empty line `PROG --version` printed; empty when it printed none.
    public var version: String
    /// Whether `tools:` lists it, so its digest is in the stage key (otherwise only recorded).
    public var listed: Bool

    /// Creates a tool state.
    public init(name: String, path: String, digest: Digest, version: String, listed: Bool) {
        self.name = name
        self.path = path
        self.digest = digest
        self.version = version
        self.listed = listed
    }

    /// How a change from `old` reads: the version lines when they differ, else short digests.
    public static func change(from old: ToolState, to new: ToolState) -> (from: String, to: String) {
        if !old.version.isEmpty, !new.version.isEmpty, old.version != new.version { return (old.version, new.version) }
        return ("sha256:" + old.digest.short, "sha256:" + new.digest.short)
    }
}

extension ActionRecord {
    /// Tags of the optional sections after the fixed fields, each `[tag][payload]`, written only
    /// when present, so a record without them keeps its old bytes.
    static let containerSection: UInt64 = 1
    static let toolsSection: UInt64 = 2

    func encodeTools(into w: inout BinaryWriter) {
        guard !tools.isEmpty else { return }
        w.write(Self.toolsSection)
        w.write(UInt64(tools.count))
        for tool in tools {
            w.write(tool.name)
            w.write(tool.path)
            w.write(tool.digest)
            w.write(tool.version)
            w.write(tool.listed)
        }
    }

    /// The tools section's payload (its tag already read).
    static func decodeTools(from r: inout BinaryReader) throws(BinaryFormatError) -> [ToolState] {
        var tools: [ToolState] = []
        for _ in 0..<(try r.readCount()) {
            tools.append(ToolState(name: try r.readString(), path: try r.readString(), digest: try r.readDigest(),
                                   version: try r.readString(), listed: try r.readBool()))
        }
        return tools
    }
}
