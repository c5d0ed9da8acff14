#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore

/// Streams a file through SHA-256 in chunks of at most 1 MiB, optionally copying it on the way (so storing an
/// output reads it once).
public enum FileHasher {
    static let chunk = 1 << 20

    /// The digest and size of the file at `path`; with `copyTo`, also writes the same bytes there.
    public static func hash(_ path: String, copyTo destination: String? = nil) throws -> (Digest, Int64) {
        var out: Int32 = -1
        if let destination {
            out = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard out >= 0 else { throw StoreError.io(FileIO.Failure("create", destination)) }
        }
        defer { if out >= 0 { close(out) } }
        do {
            return try hash(path, copyTo: out, named: destination ?? "")
        } catch {
            if let destination { unlink(destination) }
            throw error
        }
    }

    /// The digest and size of the file at `path`, also writing its bytes to the open descriptor
    /// `out` (unless it is -1); `named` is `out`'s name for errors.
    public static func hash(_ path: String, copyTo out: Int32, named destination: String) throws -> (Digest, Int64) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError.io(FileIO.Failure("read", path)) }
        defer { close(fd) }
        var builder = DigestBuilder()
        var total: Int64 = 0
        let capacity = bufferSize(forFileOf: fd)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress!, capacity)
            if n < 0 {
                if errno == EINTR { continue }
                throw StoreError.io(FileIO.Failure("read", path))
            }
            if n == 0 { break }
            let slice = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            builder.update(slice)
            if out >= 0 {
                do { try FileIO.writeAll(out, slice, path: destination) } catch { throw StoreError(error) }
            }
            total += Int64(n)
        }
        return (builder.finalize(), total)
    }

    /// A read buffer as large as the open file `fd` (one byte more, so one read takes it all),
    /// at most `chunk`: most files a stage reads or writes are small, and a full chunk for each
    /// of them kept a megabyte per running stage in the heap.
    static func bufferSize(forFileOf fd: Int32) -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size >= 0 else { return chunk }
        return Int(min(Int64(chunk), Int64(info.st_size) + 1))
    }
}

/// The listing of a directory artifact: each file's relative path, digest, size and mode, sorted.
/// Its canonical text is the directory's content, so a directory's digest is the digest of this.
public struct DirectoryManifest: Equatable, Sendable {
    /// One file in the directory.
    public struct Entry: Equatable, Sendable {
        public var path: String
        public var digest: Digest
        public var size: Int64
        public var isExecutable: Bool
    }

    /// Files, sorted by path.
    public private(set) var entries: [Entry] = []

    /// An empty manifest.
    public init() {}

    /// Sum of the file sizes.
    public var totalSize: Int64 { entries.reduce(0) { $0 + $1.size } }

    /// Walks `root` (iteratively, sorted) and records each regular file via `digest`, which gets
    /// the file's path relative to `root`. A link or special file inside is refused, named as part
    /// of an input directory `input` (its workspace path) or, without one, of an output.
    mutating func collect(root: String, input: String? = nil, digest: (String) throws -> (Digest, Int64)) throws {
        var pending: [String] = [""]
        var found: [Entry] = []
        while let relative = pending.popLast() {
            let directory = relative.isEmpty ? root : root + "/" + relative
            let names: [String]
            do { names = try FileIO.listDirectory(directory) } catch { throw StoreError(error) }
            for name in names {
                let child = relative.isEmpty ? name : relative + "/" + name
                guard let st = FileStat.of(root + "/" + child) else { continue }
                switch st.kind {
                case .directory: pending.append(child)
                case .file:
                    let (d, size) = try digest(child)
                    found.append(Entry(path: child, digest: d, size: size, isExecutable: st.isExecutable))
                case .symlink, .other:
                    let kind = st.kind == .symlink ? "symbolic link" : "special file"
                    if let input { throw StoreError.unsupportedInput(directory: input, file: input + "/" + child, kind: kind) }
                    throw StoreError.unsupportedOutput(path: root + "/" + child, kind: kind)
                }
            }
        }
        entries = found.sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
    }

    /// `sha256 size mode path` lines, like a `sha256sum` listing with sizes and modes. In paths,
    /// `%`, newline and carriage return are percent-escaped, so any file name fits on its line.
    public func encoded() -> [UInt8] {
        var text = "studyflow-directory 1\n"
        for e in entries { text += "\(e.digest.hex) \(e.size) \(e.isExecutable ? "755" : "644") \(Self.escape(e.path))\n" }
        return Array(text.utf8)
    }

    static func escape(_ path: String) -> String {
        guard path.utf8.contains(where: { $0 == 0x25 || $0 == 0x0A || $0 == 0x0D }) else { return path }
        var out = ""
        for c in path.unicodeScalars {
            switch c {
            case "%": out += "%25"
            case "\n": out += "%0A"
            case "\r": out += "%0D"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func unescape(_ text: Substring) -> String {
        guard text.contains("%") else { return String(text) }
        return String(text).replacingAll("%0A", with: "\n").replacingAll("%0D", with: "\r").replacingAll("%25", with: "%")
    }

    /// Parses `encoded()` output.
    public init?(decoding bytes: [UInt8]) {
        // Split on bytes: a name may begin with a combining mark, which would merge with the
        // separator into one Character.
        let lines = bytes.split(separator: UInt8(ascii: "\n")).map { Substring(decoding: $0, as: UTF8.self) }
        guard lines.first == "studyflow-directory 1" else { return nil }
        for line in lines.dropFirst() {
            let parts = line.utf8.split(separator: UInt8(ascii: " "), maxSplits: 3).map { Substring($0) }
            guard parts.count == 4, let digest = Digest(hex: parts[0]), let size = Int64(parts[1]) else { return nil }
            entries.append(Entry(path: Self.unescape(parts[3]), digest: digest, size: size, isExecutable: parts[2] == "755"))
        }
    }
}
