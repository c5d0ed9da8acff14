#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import StudyStore

/// An input file as a built-in kind read it: its bytes and the digest of exactly those bytes.
public struct InputBytes: Sendable {
    /// The file's content.
    public var bytes: [UInt8]
    /// SHA-256 of `bytes`: the stage key's digest when the file was provably unchanged since it was
    /// hashed for the key, otherwise hashed here.
    public var digest: Digest
    /// Whether `digest` was computed here (no key digest was given, or the file had changed).
    public var hashed: Bool

    /// Bytes read with their digest; `hashed` says whether the digest was computed from them here.
    public init(bytes: [UInt8], digest: Digest, hashed: Bool) {
        self.bytes = bytes
        self.digest = digest
        self.hashed = hashed
    }
}

/// Why `StageKindContext.readInput(_:limit:)` has no bytes for an input.
public enum InputReadError: Error, Sendable, Equatable {
    /// The stage declares no input of that name.
    case notDeclared
    /// The file cannot be opened or read (missing, a directory, no permission).
    case unreadable
    /// The file is larger than the caller's limit; nothing was read.
    case tooLarge(size: Int)
}

extension StageKindContext {
    /// Reads input `name` whole and gives the digest of the bytes read, hashing them only when
    /// the stage key's digest cannot be vouched for.
    ///
    /// The key's digest (`inputDigests`) was computed from the file before the stage started, and
    /// the file could have been edited since. It is used only when the descriptor this function
    /// reads has, before and after reading, the same `stat` (size, mtime, ctime, inode, mode) as
    /// the one taken before the key's hashing (`inputStamps`) — the evidence the stat cache and the
    /// key itself rest on. Otherwise (no digest given, an older SLURM specification, a file
    /// replaced or rewritten, a node whose file system reports other stat values) the bytes read
    /// are hashed, so a kind never shows a digest of bytes other than those it read. Separately,
    /// the engine compares every input's `stat` again after the stage (`InputDrift`) and does not
    /// cache outputs made while an input changed.
    public func readInput(_ name: String, limit: Int = Int.max) throws(InputReadError) -> InputBytes {
        guard let path = inputs[name] else { throw .notDeclared }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable }
        defer { close(fd) }
        guard let before = FileStat.of(descriptor: fd) else { throw .unreadable }
        guard before.size <= Int64(limit) else { throw .tooLarge(size: Int(before.size)) }
        guard let bytes = FileIO.read(descriptor: fd, sizeHint: Int(before.size)) else { throw .unreadable }
        if let digest = inputDigests[name], let stamp = inputStamps[name], stamp == before,
           FileStat.of(descriptor: fd) == before, Int64(bytes.count) == before.size {
            return InputBytes(bytes: bytes, digest: digest, hashed: false)
        }
        return InputBytes(bytes: bytes, digest: Digest.of(bytes), hashed: true)
    }
}

/// The key's digest and pre-hash `stat` of each declared input of a resolved stage, by input
/// name, as `StageKindContext` carries them to a built-in kind.
struct KeyedInputs {
    var digests: [String: Digest] = [:]
    var stamps: [String: FileStat] = [:]

    /// Digests of `resolved`'s declared inputs (named as `SettingsCheck.named` names them); a
    /// stamp only for an input that is one regular file, the only kind `readInput` reads.
    init(_ resolved: ResolvedStage) {
        var byPath: [String: Digest] = [:]
        for input in resolved.inputs { byPath[input.path] = input.digest }
        for (i, input) in resolved.stage.inputs.enumerated() {
            guard let digest = byPath[input.path] else { continue }
            let name = input.name ?? String(i)
            digests[name] = digest
            if let stat = resolved.inputStamps[input.path]?[input.path], stat.kind == .file {
                stamps[name] = stat
            }
        }
    }
}
